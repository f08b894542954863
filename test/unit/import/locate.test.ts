import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeLocator } from '../../../src/import/locate.ts';

const HELMFILE = `repositories:
  - name: bitnami
    url: https://charts.bitnami.com/bitnami
helmDefaults:
  wait: true
  args: [--foo]
releases:
  - name: db
    chart: bitnami/postgresql
    hooks:
      - events: [presync]
  - chart: ./charts/web
    name: "web"
    needs: [db]
`;

describe('file:line of what the import reports', () => {
  const l = makeLocator(new Map([['/h/helmfile.yaml', HELMFILE]]), (p) => p.replace('/h/', ''));
  it('a release by its name, a key inside it, a top-level key', () => {
    assert.deepEqual(l.release('/h/helmfile.yaml', 'db'), { file: 'helmfile.yaml', line: 8, col: 5 });
    assert.deepEqual(l.releaseKey('/h/helmfile.yaml', 'db', 'hooks'), { file: 'helmfile.yaml', line: 10, col: 5 });
    assert.deepEqual(l.release('/h/helmfile.yaml', 'web'), { file: 'helmfile.yaml', line: 13, col: 5 });
    assert.deepEqual(l.releaseKey('/h/helmfile.yaml', 'web', 'needs'), { file: 'helmfile.yaml', line: 14, col: 5 });
    // a key the release does not write (inherited): the release itself
    assert.deepEqual(l.releaseKey('/h/helmfile.yaml', 'web', 'hooks'), { file: 'helmfile.yaml', line: 13, col: 5 });
    assert.deepEqual(l.topKey('/h/helmfile.yaml', ['helmDefaults', 'args']), { file: 'helmfile.yaml', line: 6, col: 3 });
    assert.deepEqual(l.file('/h/helmfile.yaml'), { file: 'helmfile.yaml', line: 1, col: 1 });
  });
});
