/**
 * What the CSV import shows before an upload: the file's separator, its header and first rows,
 * read from the file's first bytes in the browser. Only a preview: worker-staging parses the
 * whole file with csv-parse (same quoting rules: "" inside quotes is a quote).
 */
export type Delimiter = ',' | ';' | '\t' | '|';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

export interface CsvPreview {
  delimiter: Delimiter;
  header: string[];
  rows: string[][];
}

/** The separator found most often outside quotes on the first line (`,` when none is). */
export function detectDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch as Delimiter))
      counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Up to `limit` records of `text` (a record cut off by the end of `text` is dropped). */
export function parseRecords(text: string, delimiter: Delimiter, limit: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length && records.length < limit; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  return records;
}

/** How much of a file the preview reads: enough for a header and a few rows. */
const HEAD_BYTES = 64 * 1024;

/**
 * The start of a file as text (BOM removed). A file shorter than that ends without a newline:
 * one is added so its last record is whole.
 */
export async function readHead(file: Blob): Promise<string> {
  const text = (await file.slice(0, HEAD_BYTES).text()).replace(/^\uFEFF/, '');
  return file.size <= HEAD_BYTES ? `${text}\n` : text;
}

/** The preview of a file's head: its separator (detected unless given), header and first rows. */
export function previewCsv(head: string, delimiter = detectDelimiter(head), rows = 5): CsvPreview {
  const [header = [], ...rest] = parseRecords(head, delimiter, rows + 1);
  return { delimiter, header, rows: rest };
}
