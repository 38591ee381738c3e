/**
 * A password from standard input, never from arguments (they show in `ps`
 * and shell history). From a terminal: prompted, not echoed. From a pipe:
 * the first line.
 */
export async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.replace(/\r?\n[\s\S]*$/, '');
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let password = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          return resolve(password);
        }
        if (char === '\u0003') {
          finish();
          return reject(new Error('cancelled'));
        }
        password = char === '\u007f' || char === '\b' ? password.slice(0, -1) : password + char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}
