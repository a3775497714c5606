/** One line of the results table. */
export interface Row {
  /** Stable key for the JSON and the targets, e.g. `publish.c16.fcgi-bin`. */
  readonly id: string;
  readonly measurement: string;
  readonly deployment: string;
  /** The AtomMQ figure; undefined when the row could not run (then `note` says why). */
  readonly value: number | undefined;
  /** `/s`, `ms`, `MB` or `×`. */
  readonly unit: string;
  /** The same load against AtomBus, when it ran. */
  readonly peer?: number | undefined;
  readonly note?: string | undefined;
}

/** A target of issue 6, evaluated on this run's rows. */
export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly status: 'met' | 'missed' | 'n/a';
}

/** True for units where less is better. */
function isTime(unit: string): boolean {
  return unit === 'ms' || unit === 'MB';
}

/**
 * AtomMQ's speed over AtomBus's for the same load: rate ÷ rate, or time ÷ time inverted, so
 * above 1 always means AtomMQ is ahead.
 */
export function speedRatio(row: Row): number | undefined {
  if (row.value === undefined || row.peer === undefined || row.value <= 0 || row.peer <= 0) return undefined;
  return isTime(row.unit) ? row.peer / row.value : row.value / row.peer;
}

/** Formats a figure with sensible precision. */
export function formatNumber(value: number | undefined, unit = ''): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
}

/** The results as a markdown table. */
export function renderTable(rows: readonly Row[], hasPeer: boolean): string {
  const head = hasPeer
    ? ['measurement', 'deployment', 'AtomMQ', 'AtomBus', 'AtomMQ/AtomBus', 'notes']
    : ['measurement', 'deployment', 'AtomMQ', 'notes'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const value = row.value === undefined ? 'n/a' : formatNumber(row.value, row.unit);
    const ratio = speedRatio(row);
    const cells = hasPeer
      ? [row.measurement, row.deployment, value, row.peer === undefined ? '' : formatNumber(row.peer, row.unit), ratio === undefined ? '' : `${formatNumber(ratio)}×`, row.note ?? '']
      : [row.measurement, row.deployment, value, row.note ?? ''];
    lines.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets as a markdown table. */
export function renderTargets(targets: readonly TargetResult[]): string {
  const lines = ['| target | measured | status |', '|---|---|---|'];
  for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | **${t.status}** |`);
  return lines.join('\n');
}

/** Looks a row up by id. */
export function rowById(rows: readonly Row[], id: string): Row | undefined {
  return rows.find((r) => r.id === id);
}
