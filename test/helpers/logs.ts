import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

let files = 0;

/** A file of the run's log directory for one server or command line (audited by test/audit). */
export function runLogFile(kind: string): (text: string) => void {
  const dir = process.env.KEYWAY_TEST_LOG_DIR;
  if (!dir) return () => {};
  const file = join(dir, `${process.env.KEYWAY_TEST_DB ?? 'unit'}-${kind}-${process.pid}-${++files}.log`);
  return (text) => appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
