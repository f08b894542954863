// The fast reader of helm manifests (pure). Parsing YAML with the `yaml`
// library was most of a no-op plan's and a drift's CPU at 600 units (issue
// 27); js-yaml reads the same text about ten times faster. It reads with the
// scalar rules of `yaml`'s own YAML 1.1 schema (its tag tests and resolvers,
// taken from the library at run time: 0644 is 420, yes is true, 1e3 is 1000,
// as helm and the API server read them), and keys as `yaml` makes them (a
// null key is ""). Whatever it could read differently gives up (undefined)
// and manifest.ts reads the whole text with `yaml` as before:
// - a text that does not start with a document marker, or has a directive
//   (`%`) or a document end (`...`);
// - an explicit tag (`!!binary`, `!foo`, `!!int "1"`), a duplicate, complex
//   or timestamp key, a nesting deeper than 100, any error.
// test/unit/model/manifest-yaml.test.ts checks both readers agree on public
// charts' YAML and on every scalar form of YAML 1.1.
import { defineMappingTag, defineScalarTag, FAILSAFE_SCHEMA, load, mergeTag, NOT_RESOLVED, Schema as FastSchema } from 'js-yaml';
import { isScalar, Schema } from 'yaml';

/** One document of a manifest: its value and its own text (from its `---` to the next). */
export interface FastDocument {
  js: unknown;
  text: string;
}

interface YamlTag {
  tag: string;
  default?: boolean | 'key';
  test?: RegExp;
  resolve?: (value: string, onError: (message: string) => void, options: object) => unknown;
}

class GiveUp extends Error {}

const RESOLVE_OPTIONS = { intAsBigInt: false };
const giveUp = (message: string): never => {
  throw new GiveUp(message);
};

const DIGITS = [...'0123456789'];
/**
 * The first characters a plain scalar of each tag can have in `yaml`'s 1.1
 * schema (its tests below): js-yaml tries a tag's resolver only on those, so
 * `cascade-demo` is not run through five sets of regular expressions. The
 * scalar forms of the unit test cover every character listed.
 */
const FIRST_CHARS: Record<string, readonly string[]> = {
  'tag:yaml.org,2002:null': ['', '~', 'n', 'N'],
  'tag:yaml.org,2002:bool': [...'yYnNtTfFoO'],
  'tag:yaml.org,2002:int': ['+', '-', ...DIGITS],
  // `e3` matches yaml's exponent test (both of its leading parts are optional): yaml reads it as NaN
  'tag:yaml.org,2002:float': ['+', '-', '.', 'e', 'E', ...DIGITS],
  'tag:yaml.org,2002:timestamp': DIGITS,
};

/** One js-yaml scalar tag per tag name of `yaml`'s 1.1 schema, trying that name's tests in `yaml`'s order (the names' matches do not overlap). */
function scalarTags(): ReturnType<typeof defineScalarTag>[] {
  const byName = new Map<string, YamlTag[]>();
  for (const t of new Schema({ schema: 'yaml-1.1' }).tags as YamlTag[]) {
    if (!t.default || !t.test || !t.resolve || t.tag.endsWith(':merge')) continue;
    byName.set(t.tag, [...(byName.get(t.tag) ?? []), t]);
  }
  return [...byName].map(([name, tags]) =>
    defineScalarTag(name, {
      implicit: true,
      implicitFirstChars: FIRST_CHARS[name] ?? null,
      identify: () => false,
      resolve: (source: string, isExplicit: boolean) => {
        if (isExplicit) return NOT_RESOLVED;
        const tag = tags.find((t) => t.test!.test(source));
        if (!tag) return NOT_RESOLVED;
        const v = tag.resolve!(source, giveUp, RESOLVE_OPTIONS);
        return isScalar(v) ? v.value : v;
      },
    }),
  );
}

/** Keys as `yaml`'s toJS makes them: null is "", a number or boolean its text; anything else, and a duplicate, gives up. */
const mapTag = defineMappingTag<Record<string, unknown>>('tag:yaml.org,2002:map', {
  create: () => ({}),
  identify: () => false,
  addPair: (c, key, value) => {
    if (key !== null && typeof key === 'object') return 'a complex key';
    const k = key === null ? '' : String(key);
    if (Object.hasOwn(c, k)) return 'a duplicate key';
    if (k === '__proto__') Object.defineProperty(c, k, { value, enumerable: true, configurable: true, writable: true });
    else c[k] = value;
    return '';
  },
  has: (c, key) => key !== null && typeof key !== 'object' && Object.hasOwn(c, String(key)),
  keys: (c) => Object.keys(c),
  get: (c, key) => (Object.hasOwn(c, String(key)) ? c[String(key)] : null),
});

const SCHEMA = new FastSchema([...FAILSAFE_SCHEMA.tags.filter((t) => t.tagName !== 'tag:yaml.org,2002:map'), mapTag, ...scalarTags(), mergeTag]);

/** Where each document starts: every line that begins with `---` and a blank (or ends there); undefined when the text is not one this reader takes. */
function documentStarts(text: string): number[] | undefined {
  if (!text.startsWith('---') || /^(?:%|\.\.\.)/m.test(text)) return undefined;
  const starts: number[] = [];
  for (let i = 0; i >= 0; i = text.indexOf('\n---', i + 1)) {
    const at = i === 0 ? 0 : i + 1;
    const next = text[at + 3];
    if (next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r') starts.push(at);
  }
  // `---foo` is a plain scalar, not a document marker
  return starts[0] === 0 ? starts : undefined;
}

/** The documents of a manifest read by js-yaml, or undefined when `yaml` must read it (see the header). */
export function fastDocuments(text: string): FastDocument[] | undefined {
  if (text === '') return [];
  const starts = documentStarts(text);
  if (!starts) return undefined;
  try {
    return starts.map((s, k) => {
      const docText = text.slice(s, starts[k + 1] ?? text.length);
      return { js: load(docText, { schema: SCHEMA, maxTotalMergeKeys: -1 }) ?? null, text: docText };
    });
  } catch {
    return undefined;
  }
}
