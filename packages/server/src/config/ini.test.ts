import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expandEnv,
  getRawValue,
  getValue,
  hasSection,
  type IniFile,
  optionNames,
  parseIni,
} from './ini.js';
import { ConfigError } from './server-config.js';

function sectionsOf(ini: IniFile): Record<string, Record<string, string>> {
  return Object.fromEntries(
    [...ini.sections].map(([name, options]) => [name, Object.fromEntries(options)]),
  );
}

test('ini - sections, options, whitespace and case of names', () => {
  const ini = parseIni(
    [
      '  [HTTP]  ',
      '\tListen =  127.0.0.1:8080  ',
      '[ Backend One ]',
      'URLS=https://A.invalid',
    ].join('\r\n'),
  );
  assert.deepEqual(sectionsOf(ini), {
    default: {},
    http: { listen: '127.0.0.1:8080' },
    'backend one': { urls: 'https://A.invalid' },
  });
  assert.equal(getRawValue(ini, 'Http', 'LISTEN'), '127.0.0.1:8080');
  assert.equal(hasSection(ini, 'BACKEND ONE'), true);
  assert.deepEqual(optionNames(ini, 'http'), ['listen']);
});

test('ini - comment lines: #, ; and anything starting with "rem"', () => {
  const ini = parseIni(
    ['[a]', '# x = 1', '; y = 2', 'REM z = 3', 'remote = 4', 'kept = 5'].join('\n'),
  );
  assert.deepEqual(sectionsOf(ini).a, { kept: '5' });
});

test('ini - inline comments need a space or tab before ; or #', () => {
  const ini = parseIni(
    [
      '[a]',
      'one = value # comment',
      'two = value\t; comment',
      'three = val#ue;x',
      'four = #all comment',
      'five =#kept',
      'six = a ;b #c',
    ].join('\n'),
  );
  assert.deepEqual(sectionsOf(ini).a, {
    one: 'value',
    two: 'value',
    three: 'val#ue;x',
    four: '',
    five: '#kept',
    six: 'a',
  });
});

test('ini - quotes are literal, ":" separates too, the first separator wins', () => {
  const ini = parseIni(
    ['[a]', 'q = "quoted value"', "s = 'x'", 'c: 1', 'url = http://host:80/x=y'].join('\n'),
  );
  assert.deepEqual(sectionsOf(ini).a, {
    q: '"quoted value"',
    s: "'x'",
    c: '1',
    url: 'http://host:80/x=y',
  });
});

test('ini - duplicate options: the last wins; repeated sections merge', () => {
  const ini = parseIni(['[a]', 'x = 1', 'y = 1', '[b]', '[A]', 'x = 2'].join('\n'));
  assert.deepEqual(sectionsOf(ini).a, { x: '2', y: '1' });
});

test('ini - options before any section go to "default"', () => {
  const ini = parseIni(['top = 1', '[a]', 'x = 2'].join('\n'));
  assert.equal(getRawValue(ini, 'default', 'top'), '1');
  assert.equal(getValue(ini, 'a', 'top'), undefined, 'no fallback to default for plain lookups');
});

test('ini - a line without separator continues the previous option', () => {
  const ini = parseIni(['[a]', 'x = one', '  two # c', '[b] # not a header'].join('\n'));
  assert.equal(getRawValue(ini, 'a', 'x'), 'one\ntwo\n[b]');
  assert.equal(hasSection(ini, 'b'), false);
});

test('ini - syntax errors name the line', () => {
  assert.throws(
    () => parseIni('[a]\n\njunk'),
    (error: unknown) =>
      error instanceof ConfigError && error.key === 'line 3' && /junk/.test(error.message),
  );
  assert.throws(() => parseIni('junk'), ConfigError, 'nothing to continue in default');
  assert.throws(() => parseIni('[a]\nx = 1\n[b]\n= y'), ConfigError, 'continuation after header');
  assert.throws(() => parseIni('[]\nx = 1'), /named section/);
  assert.doesNotThrow(() => parseIni('[]\n[a]\nx = 1'));
});

test('ini - %(name)s references unfold from the section, then from default', () => {
  const ini = parseIni(
    [
      'host = default.invalid',
      'port = 1',
      '[a]',
      'port = 443',
      'url = https://%(host)s:%(PORT)s/',
      'chain = %(url)sx',
      'missing = %(nope)s',
      'loop = %(loop)s',
    ].join('\n'),
  );
  assert.equal(getValue(ini, 'a', 'url'), 'https://default.invalid:443/');
  assert.equal(getValue(ini, 'a', 'chain'), 'https://default.invalid:443/x');
  assert.throws(() => getValue(ini, 'a', 'missing'), /\[a\] missing: .*nope/);
  assert.throws(() => getValue(ini, 'a', 'loop'), /\[a\] loop: too many/);
});

test('env - $(VAR) references, unset and malformed ones (upstream rules)', () => {
  const env = { FOO: 'foo', BAR: '', BA_R: 'bar' };
  const cases: [string, string, string[]][] = [
    ['http://$(FOO)/1', 'http://foo/1', []],
    ['http://$(BAR)/2', 'http:///2', []],
    ['http://$(BA_R)/3', 'http://bar/3', []],
    ['http://$(BAZ)/4', 'http://BAZ/4', ['BAZ']],
    ['http://$(FOO', 'http://$(FOO', []],
    ['http://$FOO)', 'http://$FOO)', []],
    ['http://$((FOO)', 'http://$((FOO)', []],
    ['http://$(F.OO)', 'http://$(F.OO)', []],
    ['$(1A)$(FOO)$(FOO)', '$(1A)foofoo', []],
    ['$(toString)', 'toString', ['toString']],
  ];
  for (const [input, value, missing] of cases) {
    assert.deepEqual(expandEnv(input, env), { value, missing }, input);
  }
});
