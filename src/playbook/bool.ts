/** YAML 1.1 booleans, as Ansible (PyYAML) reads them: yes/no, true/false, on/off, y/n. */
export function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.toLowerCase();
  if (['yes', 'true', 'on', 'y'].includes(s)) return true;
  if (['no', 'false', 'off', 'n'].includes(s)) return false;
  return undefined;
}
