import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Runs from dist/; the sources sit beside it.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Layers inside the package, lowest first: a file may import its own layer and those below. */
const LAYERS = ['util', 'http', 'signaling', 'media', '.'];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      sources(path, out);
    } else if (name.endsWith('.ts')) {
      out.push(path);
    }
  }
  return out;
}

function imports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
    found.push(m[1] as string);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) {
    found.push(m[1] as string);
  }
  return found;
}

function layerOf(file: string): number {
  const top = relative(SRC, file).split('/')[0] ?? '';
  const index = LAYERS.indexOf(top.endsWith('.ts') ? '.' : top);
  return index === -1 ? LAYERS.length : index;
}

test('architecture - the client imports only protocol and node built-ins, and layers point down', () => {
  const problems: string[] = [];
  for (const file of sources(SRC)) {
    const isTest = file.endsWith('.test.ts');
    for (const specifier of imports(readFileSync(file, 'utf8'))) {
      const where = `${relative(SRC, file)} → ${specifier}`;
      if (specifier.startsWith('.')) {
        const target = join(file, '..', specifier).replace(/\.js$/, '.ts');
        if (layerOf(target) > layerOf(file)) {
          problems.push(`${where}: imports a higher layer`);
        }
      } else if (
        !specifier.startsWith('node:') &&
        specifier !== '@spreed-ts/protocol' &&
        !(isTest && specifier === 'ws')
      ) {
        problems.push(`${where}: only @spreed-ts/protocol and node: built-ins are allowed`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

/** The files reachable from `entry` through relative imports (static, type-only ones included). */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) {
      return;
    }
    const specifiers = imports(readFileSync(file, 'utf8'));
    seen.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        visit(join(file, '..', specifier).replace(/\.js$/, '.ts'));
      }
    }
  };
  visit(entry);
  return seen;
}

/** Runtime imports only: `import type` and `export type` lines are erased by the compiler. */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)(\s+type)?[^'"]*from\s+'([^']+)'/gm)) {
    if (m[2] === undefined) {
      found.push(m[3] as string);
    }
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) {
    found.push(m[1] as string);
  }
  return found;
}

test('architecture - the browser entry never reaches a Node built-in or a Node-only module', () => {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, path: string): void => {
    if (seen.has(file)) {
      return;
    }
    seen.add(file);
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      const via = `${path} → ${specifier}`;
      if (specifier.startsWith('.')) {
        visit(join(file, '..', specifier).replace(/\.js$/, '.ts'), via);
      } else if (specifier !== '@spreed-ts/protocol') {
        problems.push(via);
      }
    }
  };
  visit(join(SRC, 'browser.ts'), 'browser.ts');
  assert.deepEqual(problems, []);
  // The Node-only modules stay out, even as type imports would be harmless: keep them unreachable.
  for (const nodeOnly of ['node-platform.ts', 'media/wrtc-stack.ts', 'media/wav-file.ts']) {
    assert.ok(!seen.has(join(SRC, nodeOnly)), `${nodeOnly} is reachable from browser.ts`);
  }
});

test('architecture - the browser entry exports what the Node entry exports, minus Node-only names', () => {
  const names = (file: string): Set<string> => {
    const text = readFileSync(join(SRC, file), 'utf8');
    const out = new Set<string>();
    for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
      for (const name of (m[1] as string).split(',')) {
        const trimmed = name.trim();
        if (trimmed !== '') {
          out.add(trimmed);
        }
      }
    }
    return out;
  };
  const node = names('index.ts');
  const browser = names('browser.ts');
  const onlyNode = [...node].filter((n) => !browser.has(n)).sort();
  const onlyBrowser = [...browser].filter((n) => !node.has(n)).sort();
  assert.deepEqual(onlyNode, [
    'MAX_Y4M_FILE_BYTES',
    'WavFileWriter',
    'Y4mFileWriter',
    'loadWrtcStack',
    'readWavFile',
    'readY4mFile',
  ]);
  assert.deepEqual(onlyBrowser, []);
  assert.ok(graph(join(SRC, 'index.ts')).has(join(SRC, 'node-platform.ts')));
});
