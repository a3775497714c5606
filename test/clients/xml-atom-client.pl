#!/usr/bin/perl
# Drives XML::Atom::Client (Debian libxml-atom-perl) with Atom 1.0 against a running AtomMQ:
# createEntry, getEntry, updateEntry, deleteEntry. This client accepts only 201 for a POST and
# only 200 for a GET, PUT or DELETE, and sends no If-Match.
#
# usage: xml-atom-client.pl COLLECTION_URI
#
# Prints one line per step, and "member: URI" and "id: URN" for the caller to check side effects.
# Exits 1 with a message on the first failure; a warning is a failure too.
use strict;
use warnings;

use XML::Atom::Client;
use XML::Atom::Entry;

$XML::Atom::DefaultVersion = '1.0';
$SIG{__WARN__} = sub { fail("XML::Atom::Client warned: $_[0]") };

my ($collection) = @ARGV;
fail('usage: xml-atom-client.pl COLLECTION_URI') unless defined $collection;

my $client = XML::Atom::Client->new;

my $entry = XML::Atom::Entry->new;
$entry->title('created by XML::Atom::Client');
$entry->content('first version');
my $member = $client->createEntry($collection, $entry) or fail('createEntry', $client);
fail("createEntry: no Location (got '$member')") unless $member =~ m{^https?://};
step('createEntry', $client->{response}->status_line . " at $member as " . $entry->content_type);

my $got = $client->getEntry($member) or fail('getEntry', $client);
fail('getEntry: wrong title ' . ($got->title // '')) unless ($got->title // '') eq 'created by XML::Atom::Client';
fail('getEntry: no atom:id') unless $got->id;
my $edit = first_link($got, 'edit');
fail("getEntry: the edit link is $edit, not the Location") unless $edit eq $member;
step('getEntry', $client->{response}->status_line . ', title "' . $got->title . '"');
print "member: $member\nid: ", $got->id, "\n";

$got->title('updated by XML::Atom::Client');
$got->content('second version');
$client->updateEntry($member, $got) or fail('updateEntry', $client);
step('updateEntry', $client->{response}->status_line);

my $again = $client->getEntry($member) or fail('getEntry after updateEntry', $client);
fail('updateEntry: the title did not change') unless ($again->title // '') eq 'updated by XML::Atom::Client';
fail('updateEntry: atom:id changed') unless $again->id eq $got->id;
step('getEntry', $client->{response}->status_line . ', title "' . $again->title . '"');

$client->deleteEntry($member) or fail('deleteEntry', $client);
step('deleteEntry', $client->{response}->status_line);

print "ok\n";
exit 0;

sub first_link {
    my ($thing, $rel) = @_;
    my ($link) = grep { ($_->rel // 'alternate') eq $rel } $thing->link;
    return $link ? $link->href : '';
}

sub step { print "$_[0]: $_[1]\n" }

sub fail {
    my ($what, $from) = @_;
    my $why = $from ? ': ' . ($from->errstr // 'unknown error') : '';
    print STDERR "xml-atom-client.pl: $what$why\n";
    exit 1;
}
