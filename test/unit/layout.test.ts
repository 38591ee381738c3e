import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of the layout (README, "Layout"), checked on every .ts
 * file under src/. A pattern starting `src/` or `**` is a file of this
 * repository (`*` is one path segment, `**` any number); anything else is a
 * package name (`@trpc/*`: every package of that scope). `<door>` stands for
 * the importing file's own door (src/doors/<door>/).
 */

// Transports: HTTP, GraphQL, tRPC, and the packages that plug into them.
const TRANSPORT = ['fastify', 'fastify-*', '@fastify/*', 'graphql', 'graphql-*', '@graphql-tools/*', '@apollo/*', '@as-integrations/*', '@escape.tech/*', 'type-graphql', '@trpc/*'];
// The ORM and the database drivers.
const DATABASE = ['@mikro-orm/*', 'pg', 'pg-*', 'postgres-array', '@electric-sql/*'];

interface Rule {
  files: string;
  mayNotImport: string[];
  except?: string[];
  why: string;
}

const RULES: Rule[] = [
  {
    files: 'src/core/**',
    mayNotImport: [...DATABASE, ...TRANSPORT, '**'],
    except: ['src/core/**'],
    why: 'the core decides, knowing no transport and no database: doors and db/ depend on it, never the reverse',
  },
  {
    files: 'src/db/**',
    mayNotImport: ['src/doors/**', ...TRANSPORT],
    why: 'persistence serves the core and knows nothing of how requests arrive',
  },
  {
    files: 'src/doors/<door>/**',
    mayNotImport: ['src/doors/*/**', 'src/db/**', 'src/cli/**', ...DATABASE],
    except: ['src/doors/<door>/**'],
    why: 'a door translates requests into core calls: it reaches the core and the shared files in src/doors/, not another door, the database or the command line',
  },
  {
    files: 'src/verify/**',
    // Types only of fastify and express (their hook's and middleware's signatures); the child-process test checks what loads.
    mayNotImport: ['**', ...DATABASE, ...TRANSPORT.filter((name) => name !== 'fastify')],
    except: ['src/verify/**'],
    why: 'keyway/verify runs inside other services: it imports nothing of the server, only jose and eventsource-parser',
  },
  {
    files: 'src/cli/**',
    mayNotImport: ['src/doors/**'],
    except: ['src/doors/control/protocol.ts'],
    why: 'the command line is a client of the control door: it shares its frame format and nothing else of any door',
  },
];

/** Every module a file names: static, type-only, re-exported, dynamic, and `import('…')` types. */
function importsOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative import as the repository path of its source file; a package import as the package's name. */
function targetOf(file: string, specifier: string): { kind: 'file' | 'package'; name: string } {
  if (specifier.startsWith('.')) {
    return { kind: 'file', name: posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts') };
  }
  const parts = specifier.split('/');
  return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
}

const isFilePattern = (pattern: string) => pattern.startsWith('src/') || pattern.startsWith('**');

function globRegExp(pattern: string): RegExp {
  const body = pattern
    .split(/(\*\*\/?|\*)/)
    .map((part) => (part.startsWith('**') ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The .ts files under `dir`, as paths from the repository's root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const FILES = sourceFiles('src').map((file) => ({ file, imports: importsOf(file, readFileSync(join(ROOT, file), 'utf8')) }));

/** The files a rule covers, with `<door>` filled in for each. */
function covered(rule: Rule): Array<{ file: string; imports: string[]; door?: string }> {
  const [prefix, suffix] = rule.files.split('<door>');
  if (suffix === undefined) return FILES.filter(({ file }) => globRegExp(rule.files).test(file));
  return FILES.flatMap((entry) => {
    const door = entry.file.startsWith(prefix!) ? entry.file.slice(prefix!.length).split('/')[0] : undefined;
    return door !== undefined && entry.file.slice(prefix!.length).includes('/') && globRegExp(`${prefix}${door}${suffix}`).test(entry.file)
      ? [{ ...entry, door }]
      : [];
  });
}

/** "file imports 'specifier'" for each import breaking the rule. */
function violationsOf(rule: Rule): string[] {
  const violations: string[] = [];
  for (const { file, imports, door } of covered(rule)) {
    const fill = (pattern: string) => (door === undefined ? pattern : pattern.replaceAll('<door>', door));
    for (const specifier of imports) {
      const target = targetOf(file, specifier);
      const matches = (pattern: string) => isFilePattern(pattern) === (target.kind === 'file') && globRegExp(fill(pattern)).test(target.name);
      const broken = rule.mayNotImport.find(matches);
      if (broken && !(rule.except ?? []).some(matches)) violations.push(`${file} imports '${specifier}' (forbidden: ${fill(broken)})`);
    }
  }
  return violations;
}

describe('the layout', () => {
  for (const rule of RULES) {
    it(rule.files, () => {
      expect(covered(rule).length, `no file matches ${rule.files}: the rule checks nothing`).toBeGreaterThan(0);
      expect(violationsOf(rule), `${rule.files}: ${rule.why}`).toEqual([]);
    });
  }

  it('reads every form of import', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "import {\n  c,\n  type D,\n} from 'c';",
      "import 'side-effect';",
      "export { e } from './e.js';",
      "export * from '@scope/f';",
      "export type { G } from 'g';",
      "const h = await import('./h.js');",
      "type I = typeof import('i');",
      "// import j from 'not-an-import';",
      "const k = \"import l from 'not-an-import-either'\";",
    ].join('\n');
    expect(importsOf('x.ts', text)).toEqual(['./a.js', '../b.js', 'c', 'side-effect', './e.js', '@scope/f', 'g', './h.js', 'i']);
  });
});
