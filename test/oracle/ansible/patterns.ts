// Host patterns as people type them in `hosts:` and `--limit`, against one inventory.
export const PATTERN_INVENTORY = `all:
  hosts:
    bastion:
    10.0.0.5:
  children:
    prod:
      children:
        web:
          hosts:
            web1.example.com:
            web2.example.com:
            web3.example.com:
        db:
          hosts:
            db1.example.com:
            db2.example.com:
    stage:
      hosts:
        web-stage.example.com:
        db-stage.example.com:
    ssh_jump:
      hosts:
        bastion:
    eu:
      hosts:
        web1.example.com:
        db1.example.com:
        web-stage.example.com:
`;

export const PATTERNS: string[] = [
  'all', '*', 'web', 'db', 'prod', 'stage', 'eu', 'ungrouped', 'ssh_jump', 'bastion',
  'web1.example.com', '10.0.0.5', 'web*', '*.example.com', 'web?.example.com', 'db*', '*stage*',
  'web:db', 'web,db', 'web:&eu', 'prod:&eu', 'prod:!eu', 'all:!prod', '!web', '&eu', 'web:!web1.example.com',
  'prod:!db:&eu', 'eu:!stage', 'web:db:&eu:!db1.example.com', 'web,!web2.example.com', 'all,!ungrouped',
  '~web\\d\\.example\\.com', '~^db', '~(?i)WEB', '~.*stage.*', '~^web[12]', 'web[0]', 'web[1]', 'web[-1]',
  'web[0:1]', 'web[1:]', 'web[7:]', 'prod[0]', 'eu[2]', 'db[0:0]', 'nosuch', 'web:nosuch', 'nosuch*', '~nosuch',
  'localhost', 'web:localhost', '127.0.0.1', 'web[0]:db[1]', 'web*:&eu', '*.example.com:!prod',
  'stage:&db*', 'web-stage.example.com', 'web-*', 'db?.example.com', 'all:&ssh_jump', 'ssh_jump:bastion',
  '*:!*.example.com', 'prod,stage', 'web , db', 'web[0-1]', '~^(web|db)1',
];

/** Patterns Ansible refuses (ERROR!, the whole run stops): each gets a run of its own. */
export const ERROR_PATTERNS: string[] = ['web[9]', 'prod:web[5]', 'db[-3]'];
