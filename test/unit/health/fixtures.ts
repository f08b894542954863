// Loads the one-YAML-per-state fixtures of this folder.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { LiveObject } from '../../../src/model/objects.ts';

const dir = new URL('./fixtures/', import.meta.url);

/** Every document of fixtures/NAME.yaml. */
export function loadFixture(name: string): LiveObject[] {
  return parseAllDocuments(readFileSync(new URL(`${name}.yaml`, dir), 'utf8')).map((d) => {
    if (!('toJS' in d)) throw new Error(`${name}.yaml: not a YAML stream`);
    return d.toJS() as LiveObject;
  });
}

/** The first document of fixtures/NAME.yaml. */
export function fixture(name: string): LiveObject {
  const first = loadFixture(name)[0];
  if (!first) throw new Error(`${name}.yaml is empty`);
  return first;
}
