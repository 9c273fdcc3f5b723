import { readFileSync } from 'node:fs';
import { TscareError } from '@tscare/errors';
import { SPEC_TEMPLATE_PATH, defaultPackageName, renderSpec, type RpmSpecInput } from './rpm-spec.js';

const TEMPLATE = readFileSync(SPEC_TEMPLATE_PATH, 'utf8');
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function input(over: Partial<RpmSpecInput> = {}): RpmSpecInput {
  return {
    target: { name: 'nginx', evr: '1:1.24.0-2.el9' },
    level: 3,
    release: '1',
    license: 'BSD',
    name: undefined,
    description: 'Fixes the 100% CPU loop.\n%post must stay text',
    cves: ['CVE-2024-7347'],
    patches: [{ file: `/p/${A}.kpatch`, buildId: A, patchId: 'n3' }, { file: `/p/${B}.kpatch`, buildId: B, patchId: 'n3' }],
    ...over,
  };
}

function refusal(over: Partial<RpmSpecInput>, template = TEMPLATE): string {
  try {
    renderSpec(template, input(over));
  } catch (e) {
    expect(e).toBeInstanceOf(TscareError);
    return `${(e as TscareError).code}: ${(e as Error).message}`;
  }
  throw new Error('accepted');
}

describe('renderSpec', () => {
  const spec = renderSpec(TEMPLATE, input());

  test('header: name from the target, level as version, exact requirement', () => {
    expect(spec).toContain('Name:           tscare-patch-nginx-1_1_24_0_2_el9\nVersion:        3\nRelease:        1\n');
    expect(spec).toContain('Summary:        Hot patch n3 for nginx-1:1.24.0-2.el9 (CVE-2024-7347)\n');
    expect(spec).toContain('License:        BSD\n');
    expect(spec).toContain('Requires:       nginx = 1:1.24.0-2.el9\n');
    expect(spec).not.toMatch(/@[A-Z_]+@/);
  });

  test('one source, install line pair and files entry per build id', () => {
    expect(spec).toContain(`Source0:        ${A}.kpatch\nSource1:        ${B}.kpatch\n`);
    expect(spec).toContain([
      `%tscare_install_kpatch ${A} 3 %{SOURCE0}`, `%tscare_install_description ${A} 3 tscare-patch-nginx-1_1_24_0_2_el9.description`,
      `%tscare_install_kpatch ${B} 3 %{SOURCE1}`, `%tscare_install_description ${B} 3 tscare-patch-nginx-1_1_24_0_2_el9.description`,
    ].join('\n'));
    expect(spec).toContain(`%files\n%tscare_files ${A} 3\n%tscare_files ${B} 3\n`);
    expect(spec).toContain(`%global tscare_patch_ids n3\n%global tscare_buildids ${A} ${B}\n`);
  });

  test('free text is protected from macro expansion', () => {
    expect(spec).toContain('%description\ntscare hot patch n3 (level 3) for nginx-1:1.24.0-2.el9\nFixes: CVE-2024-7347\n\nFixes the 100%% CPU loop.\n%%post must stay text\n');
  });

  test('an explicit package name wins', () => {
    expect(renderSpec(TEMPLATE, input({ name: 'nginx-hotfix' }))).toContain('Name:           nginx-hotfix\n');
    expect(defaultPackageName({ name: 'hello', evr: '1.0-1' })).toBe('tscare-patch-hello-1_0_1');
  });

  test.each<[Partial<RpmSpecInput>, string]>([
    [{ target: { name: 'nginx', evr: '1.24.0' } }, 'RPM_BAD_INPUT: invalid version-release "1.24.0": [EPOCH:]VERSION-RELEASE expected, e.g. 1.0-1.el9'],
    [{ target: { name: 'ng inx', evr: '1-1' } }, 'RPM_BAD_INPUT: invalid package name "ng inx"'],
    [{ release: '1 2' }, 'RPM_BAD_INPUT: invalid release "1 2"'],
    [{ license: '%(rm -rf /)' }, 'RPM_BAD_INPUT: invalid license "%(rm -rf /)": one line without \'%\''],
    [{ patches: [{ file: '/p/x.kpatch', buildId: A, patchId: 'a;b' }] }, 'RPM_BAD_INPUT: /p/x.kpatch: patch id "a;b" cannot be packaged: letters, digits and ._+- only'],
    [{ description: 'x\nTSCARE_DESCRIPTION_END\ny' }, 'RPM_BAD_INPUT: the description may not contain a line "TSCARE_DESCRIPTION_END"'],
  ])('refuses %j', (over, message) => expect(refusal(over)).toBe(message));

  test('a template with an unknown placeholder is an error, not a broken spec', () => {
    expect(refusal({}, `${TEMPLATE}\n@NOPE@\n`)).toBe('RPM_BAD_TEMPLATE: the spec template has an unknown placeholder @NOPE@');
  });
});
