// Which kinds of lab host the end-to-end suites run on: every scenario once per kind, the same
// code parameterised (describe.each(labKinds())), never a copy per kind.
//
// - netns: Debian 12's sshd in bare namespaces (always, where the lab runs at all);
// - systemd: booted Debian 13 containers, when their image is built (scripts/lab-image.sh).
// Under CI=true a missing image is an error, not a skip: CI must test today's servers.
// REMEDY_LAB_KINDS=netns (or systemd) narrows a local run to one kind.
import { imageAvailable } from './container.js';
import type { LabKindSpec, SystemdFirewall } from './types.js';

export interface NamedKind extends Required<LabKindSpec> {
  name: string; // for test titles: 'netns', 'systemd'
}

const NETNS: NamedKind = { name: 'netns', kind: 'netns', firewall: 'nftables' };
const systemd = (firewall: SystemdFirewall): NamedKind => ({
  name: firewall === 'nftables' ? 'systemd' : `systemd+${firewall}`, kind: 'systemd', firewall,
});

/** The kinds to run, each with the image it needs checked. `firewalls` adds systemd kinds beyond nftables. */
export function labKinds(firewalls: SystemdFirewall[] = ['nftables']): NamedKind[] {
  const wanted = process.env.REMEDY_LAB_KINDS?.split(',').map((s) => s.trim()).filter(Boolean);
  const kinds = [NETNS, ...firewalls.map(systemd)].filter((k) => !wanted || wanted.includes(k.kind) || wanted.includes(k.name));
  return kinds.filter((k) => {
    if (k.kind !== 'systemd' || imageAvailable(k.firewall)) return true;
    if (process.env.CI === 'true') {
      throw new Error(`CI: the ${k.firewall} image of booted systemd hosts is missing: .ci/run builds it with \`sh scripts/lab-image.sh\``);
    }
    console.warn(`remedy tests: no ${k.firewall} systemd image (sh scripts/lab-image.sh): its end-to-end tests skip`);
    return false;
  });
}

/** Only the booted kinds with these firewalls (for tests of a front end only systemd hosts have). */
export const systemdKinds = (firewalls: SystemdFirewall[]): NamedKind[] =>
  labKinds(firewalls).filter((k) => k.kind === 'systemd' && firewalls.includes(k.firewall));
