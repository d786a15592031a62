# Records, per host, when its first task started and its last task ended (epoch seconds), and
# writes them as JSON to $BENCH_TIMES_FILE at the end of the run. A notification callback: the
# stdout callback stays Ansible's default.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: bench_times
    type: aggregate
    short_description: per-host start and end times for bench/bench.ts
    requirements:
      - enabled in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = {}

    def _host(self, name):
        return self.hosts.setdefault(name, {'start': None, 'end': None, 'results': 0})

    def v2_runner_on_start(self, host, task):
        h = self._host(host.get_name())
        if h['start'] is None:
            h['start'] = time.time()

    def _done(self, result, *args, **kwargs):
        h = self._host(result._host.get_name())
        h['end'] = time.time()
        h['results'] += 1

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _done

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_TIMES_FILE')
        if path:
            with open(path, 'w') as f:
                json.dump(self.hosts, f)
