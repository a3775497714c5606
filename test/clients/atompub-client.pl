#!/usr/bin/perl
# Drives Atompub::Client (Debian libatompub-perl) through RFC 5023 against a running AtomMQ:
# getService, createEntry, getEntry, updateEntry (with the If-Match it sends), getFeed, deleteEntry.
#
# usage: atompub-client.pl SERVICE_URI COLLECTION_TITLE
#
# Prints one line per step, and "member: URI" and "id: URN" for the caller to check side effects.
# Exits 1 with a message on the first failure. Atompub::Client only warns about a wrong status
# or Content-Type, so every warning is a failure here too.
use strict;
use warnings;

use Atompub::Client;
use XML::Atom::Entry;

$SIG{__WARN__} = sub { fail("Atompub::Client warned: $_[0]") };

my ($service_uri, $collection_title) = @ARGV;
fail('usage: atompub-client.pl SERVICE_URI COLLECTION_TITLE') unless defined $collection_title;

my $client = Atompub::Client->new;

my $service = $client->getService($service_uri) or fail('getService', $client);
my ($collection) = grep { $_->title eq $collection_title } map { $_->collections } $service->workspaces;
fail("getService: no collection titled '$collection_title'") unless $collection;
my $href = $collection->href;
step('getService', "collection '$collection_title' at $href");

my $entry = XML::Atom::Entry->new;
$entry->title('created by Atompub::Client');
$entry->content('first version');
my $member = $client->createEntry($href, $entry, 'ignored slug') or fail('createEntry', $client);
my $created = $client->resource;
my $created_etag = $client->response->etag;
expect_status('createEntry', 201);
fail('createEntry: no ETag') unless defined $created_etag;
fail('createEntry: Content-Location differs from Location')
    unless ($client->response->header('Content-Location') // '') eq $member;
fail('createEntry: the returned entry has no atom:id') unless $created->id;
step('createEntry', "201 at $member, ETag $created_etag");
print "member: $member\nid: ", $created->id, "\n";

# The client remembers the ETag of the POST answer and sends it as If-None-Match, so a 304 here is
# a successful read from its cache; either way it must hand back the entry just created.
my $got = $client->getEntry($member) or fail('getEntry', $client);
fail('getEntry: wrong atom:id ' . $got->id) unless $got->id eq $created->id;
fail('getEntry: wrong title ' . $got->title) unless $got->title eq 'created by Atompub::Client';
step('getEntry', $client->response->status_line . ', title "' . $got->title . '"');

$got->title('updated by Atompub::Client');
$got->content('second version');
$client->updateEntry($member, $got) or fail('updateEntry', $client);
my $if_match = $client->request->header('If-Match');
fail('updateEntry: the client sent no If-Match') unless defined $if_match;
fail("updateEntry: If-Match $if_match is not the ETag of createEntry") unless $if_match eq $created_etag;
expect_status('updateEntry', 200);
my $updated = $client->resource;
fail('updateEntry: the answer is not an entry') unless ref $updated && $updated->isa('XML::Atom::Entry');
fail('updateEntry: atom:id changed') unless $updated->id eq $created->id;
my $new_etag = $client->response->etag // '';
fail('updateEntry: the ETag did not change') if $new_etag eq '' || $new_etag eq $created_etag;
step('updateEntry', "200 with If-Match $if_match, new ETag $new_etag");

my $feed = $client->getFeed($href) or fail('getFeed', $client);
my ($first) = $feed->entries;
fail('getFeed: the feed is empty') unless $first;
fail('getFeed: the newest edit is not first') unless $first->id eq $created->id && $first->title eq 'updated by Atompub::Client';
my $copies = grep { $_->id eq $created->id } $feed->entries;
fail("getFeed: the member appears $copies times") unless $copies == 1;
step('getFeed', scalar($feed->entries) . ' entries, newest first: "' . $first->title . '"');

$client->deleteEntry($member) or fail('deleteEntry', $client);
expect_status('deleteEntry', 200);
step('deleteEntry', $client->response->status_line);

print "ok\n";
exit 0;

sub step { print "$_[0]: $_[1]\n" }

sub expect_status {
    my ($what, $code) = @_;
    my $got = $client->response->code;
    fail("$what: expected $code, got $got") unless $got == $code;
}

sub fail {
    my ($what, $from) = @_;
    my $why = $from ? ': ' . ($from->errstr // 'unknown error') : '';
    print STDERR "atompub-client.pl: $what$why\n";
    exit 1;
}
