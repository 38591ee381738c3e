import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The README's TypeScript examples are what a frontend copies. Every fence
 * whose info string is `ts` or `typescript` is taken, in order, as one module
 * (a later fence may use what an earlier one declared, as a reader would),
 * and compiled the way a strict frontend compiles it: `keyway/trpc` resolves
 * to this package through its `exports` map (the module sits in the package,
 * which references itself by name), against the built `dist/` types, with
 * browser globals and no Node types. It must compile without a diagnostic,
 * and the client it makes must be typed, not `any` (a client whose headers
 * read a token taken from its own answer makes a cycle that strict mode
 * reports, and that looser settings silently type as `any`).
 */

const REPO = resolve('.');
const MODULE = resolve(REPO, 'readme-examples.ts');

/** Type-level checks appended after the fences: the client is typed, and types an answer. */
const ASSERTIONS = `
type IsAny<T> = 0 extends 1 & T ? true : false;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const clientIsTyped: IsAny<typeof keyway> = false;
const loginAnswersAnIsoString: Equal<Awaited<ReturnType<typeof keyway.auth.login.mutate>>['expiresAt'], string> = true;
void clientIsTyped, loginAnswersAnIsoString;
`;

interface Fence {
  line: number;
  code: string;
}

function typescriptFences(markdown: string): Fence[] {
  const fences: Fence[] = [];
  const pattern = /^```(\S*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(pattern)) {
    if (!['ts', 'typescript'].includes(match[1]!)) continue;
    fences.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[2]! });
  }
  return fences;
}

/** The diagnostics of the fences compiled as one strict module, each located as `README.md:<line>`. */
function compile(fences: Fence[], extra = ''): string[] {
  const pieces = fences.map((fence) => ({ ...fence, text: `${fence.code}\n` }));
  const source = pieces.map((piece) => piece.text).join('') + extra;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (resolve(file) === MODULE ? source : readFile(file));
  host.fileExists = (file) => resolve(file) === MODULE || fileExists(file);
  host.getSourceFile = (file, language, ...rest) =>
    resolve(file) === MODULE ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language, ...rest);
  const program = ts.createProgram([MODULE], options, host);

  const locate = (offset: number): string => {
    let start = 0;
    for (const piece of pieces) {
      if (offset < start + piece.text.length) {
        return `README.md:${piece.line + source.slice(start, offset).split('\n').length}`;
      }
      start += piece.text.length;
    }
    return 'appended assertions';
  };
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file && diagnostic.start !== undefined ? locate(diagnostic.start) : 'program';
    return `${where}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe("the README's TypeScript examples", { timeout: 60_000 }, () => {
  it('compile under strict with keyway/trpc resolved to this package, and type the client', () => {
    const readme = readFileSync(resolve(REPO, 'README.md'), 'utf8');
    // An unclosed fence would pair the rest of the file's fences wrongly.
    expect((readme.match(/^```/gm) ?? []).length % 2).toBe(0);
    const fences = typescriptFences(readme);
    expect(fences.length).toBeGreaterThan(0);
    expect(compile(fences, ASSERTIONS)).toEqual([]);
  });

  it('would catch a client typed as any through its own token', () => {
    const cyclic = `import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from 'keyway/trpc';
const keyway = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: 'http://localhost:4000/trpc', headers: () => ({ authorization: \`Bearer \${token}\` }) })],
});
const { token } = await keyway.auth.login.mutate({ username: 'a', password: 'b' });
`;
    const diagnostics = compile([{ line: 1, code: cyclic }], ASSERTIONS);
    expect(diagnostics).toContainEqual(expect.stringMatching(/^README\.md:\d+: TS7022 'keyway' implicitly has type 'any'/));
  });

  it('would catch a wrong call and a name the fences never declared', () => {
    const wrong = `import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from 'keyway/trpc';
const keyway = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://localhost:4000/trpc' })] });
await keyway.auth.verifyToken.query({ token: 'x' });
await trpc.products.list.query({});
`;
    const codes = compile([{ line: 10, code: wrong }], ASSERTIONS).map((line) => /^(README\.md:\d+): TS(\d+)/.exec(line)?.slice(1).join(' '));
    expect(codes).toEqual(['README.md:14 2339', 'README.md:15 2304']);
  });
});
