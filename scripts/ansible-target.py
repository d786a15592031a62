#!/usr/bin/env python3
"""Run one of Ansible's own integration targets through remedy and ansible-playbook.

    python3 scripts/ansible-target.py ANSIBLE_CHECKOUT [TARGET]   (default TARGET: lineinfile)

Ansible's tests are not shipped with Debian's ansible-core (and not copied here): point this
at a checkout of github.com/ansible/ansible. Each top-level task of the target's
tasks/main.yml is first given to `remedy validate` alone; the accepted ones then run as one
play against localhost (connection: local) through both tools, in fresh directories. The
target's own asserts are the oracle: remedy must end without a failure and with the same
PLAY RECAP as ansible-playbook. Exit status 0 only then. KEEP=1 keeps the directory.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

REMEDY = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'dist', 'src', 'cli.js')


def play(tasks, work, vars_file):
    p = {'hosts': 'localhost', 'gather_facts': False, 'connection': 'local', 'vars': {'remote_tmp_dir': work}, 'tasks': tasks}
    if vars_file:
        p['vars_files'] = [vars_file]
    return [p]


def recap(text):
    m = re.search(r'^localhost\s+: (ok=.*?ignored=\d+)', text, re.M)
    return re.sub(r'\s+', ' ', m.group(1)) if m else None


def main():
    checkout, target = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else 'lineinfile')
    src = os.path.join(checkout, 'test', 'integration', 'targets', target)
    tmp = tempfile.mkdtemp(prefix=f'remedy-target-{target}-')
    try:
        role = os.path.join(tmp, 'role')
        shutil.copytree(src, role)
        tasks_dir = os.path.join(role, 'tasks')
        # Roles find files/ and templates/ beside tasks/; remedy looks beside the task's file.
        for d in ('files', 'templates'):
            if os.path.isdir(os.path.join(role, d)):
                shutil.copytree(os.path.join(role, d), os.path.join(tasks_dir, d), dirs_exist_ok=True)
        vars_file = os.path.join(role, 'vars', 'main.yml')
        vars_file = vars_file if os.path.exists(vars_file) else None
        work = os.path.join(tmp, 'work')
        tasks = yaml.safe_load(open(os.path.join(tasks_dir, 'main.yml')))
        accepted, refused = [], []
        one = os.path.join(tasks_dir, 'one.yml')
        for t in tasks:
            yaml.safe_dump(play([t], work, vars_file), open(one, 'w'), sort_keys=False)
            r = subprocess.run(['node', REMEDY, 'validate', one], capture_output=True, text=True)
            (accepted if r.returncode == 0 else refused).append((t, (r.stderr or r.stdout).strip().split('\n')[0]))
        print(f'{target}: remedy validate accepts {len(accepted)}/{len(tasks)} top-level tasks')
        for t, why in refused:
            print(f"  refused: {t.get('name', '(unnamed)')}: {why}")
        # A task that reads what a refused one registered cannot run without it.
        names = {n for t, _ in refused for n in [t.get('register')] if n}
        kept = [t for t, _ in accepted if not any(n in yaml.safe_dump(t) for n in names)]
        print(f'  run: {len(kept)} tasks (dropped {len(accepted) - len(kept)} that use what a refused task registered)')
        pb = os.path.join(tasks_dir, 'run.yml')
        yaml.safe_dump(play(kept, work, vars_file), open(pb, 'w'), sort_keys=False)
        results = {}
        for tool, argv in (('remedy', ['node', REMEDY, 'apply', pb, '-i', 'localhost,']),
                           ('ansible-playbook', ['ansible-playbook', '-i', 'localhost,', pb])):
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            r = subprocess.run(argv, capture_output=True, text=True, cwd=tmp, env={**os.environ, 'ANSIBLE_NOCOLOR': '1', 'NO_COLOR': '1'})
            results[tool] = (r.returncode, recap(r.stdout))
            print(f'  {tool}: exit {r.returncode}, {results[tool][1]}')
            if r.returncode != 0:
                print('\n'.join(l for l in r.stdout.splitlines() if 'failed' in l.lower())[:4000])
        same = results['remedy'] == results['ansible-playbook'] and results['remedy'][0] == 0
        print('  agree' if same else '  DISAGREE')
        return 0 if same else 1
    finally:
        if os.environ.get('KEEP'):
            print(f'  kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
