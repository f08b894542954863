import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chartRefKind, ociRefProblem } from '../../../src/model/chart-ref.ts';
import { tempDir } from '../../support/tmp.ts';

const root = tempDir('chart-ref-');
mkdirSync(join(root, 'repo', 'charts', 'web'), { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));
const repo = join(root, 'repo');

describe('chartRefKind', () => {
  it('oci:// is oci; ./, ../ and absolute paths are local whether or not they exist', () => {
    assert.equal(chartRefKind('oci://reg.io/charts/web', repo), 'oci');
    assert.equal(chartRefKind('./missing', repo), 'local');
    assert.equal(chartRefKind('../missing/web', repo), 'local');
    assert.equal(chartRefKind('/nowhere/web', repo), 'local');
  });

  it('a bare name is local when the folder exists under the root, else repo/name', () => {
    assert.equal(chartRefKind('charts/web', repo), 'local');
    assert.equal(chartRefKind('bitnami/nginx', repo), 'repo');
    assert.equal(chartRefKind('..missing/web', repo), 'repo');
  });
});

describe('ociRefProblem', () => {
  it('accepts a host (one-letter labels too, an IPv6 address in brackets, a port) and a lower-case path', () => {
    for (const ok of ['oci://r/c', 'oci://reg.io/charts/web', 'oci://reg.io:5000/charts/web', 'oci://[::1]:5000/charts/web', 'oci://[fe80::a]/c', 'oci://reg.io/my--chart', 'oci://reg.io/a__b/c.d_e']) {
      assert.equal(ociRefProblem(ok), undefined, ok);
    }
  });

  it('says what is wrong', () => {
    const cases: [string, string][] = [
      ['oci://', 'no registry and no chart after oci://'],
      ['oci://reg.io/a b', 'a space in it'],
      ['oci://bad host/oci://reg.io/web', 'a space in it'],
      ['oci://reg.io//web', 'an empty path segment ("//")'],
      ['oci://reg.io', 'no repository path after the registry host (oci://HOST/PATH/CHART)'],
      ['oci://reg.io/web:1.2.3', 'a tag or digest in it: give the version in chart.version'],
      ['oci://reg.io/web@sha256:abc', 'a tag or digest in it: give the version in chart.version'],
      ['oci://reg.io/charts/Web', 'upper-case letters in the repository path (OCI names are lower case)'],
      // Neither a tag (the ':' is not in the last segment) nor upper case in the path.
      ['oci://reg.io/a:b/c', 'not of the form oci://HOST[:PORT]/PATH/CHART'],
      // '@' and upper case in the host are not the path's.
      ['oci://user@reg.io/chart', 'not of the form oci://HOST[:PORT]/PATH/CHART'],
      ['oci://Reg_io/chart', 'not of the form oci://HOST[:PORT]/PATH/CHART'],
      ['oci://reg.io/-web', 'not of the form oci://HOST[:PORT]/PATH/CHART'],
    ];
    for (const [ref, problem] of cases) assert.equal(ociRefProblem(ref), problem, ref);
  });
});
