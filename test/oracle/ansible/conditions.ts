// `when:` conditions as people write them, over vars written the YAML 1.1 way. VARS is YAML
// text (the play's `vars:`); each condition is YAML text too, so `when: yes` is the boolean.
export const CONDITION_VARS = `
    flag_no: no
    flag_yes: yes
    flag_on: on
    flag_off: Off
    flag_true: True
    str_no: "no"
    str_yes: 'yes'
    str_empty: ""
    mode: 0644
    count: 3
    zero: 0
    ver: 1.2.3
    pyver: 3.11
    day: 2024-01-02
    users: [alice, bob]
    cfg: {port: 22, strict: no, name: web}
    nothing: ~
    hexv: 0x1F
    under: 1_000
    sexa: 1:30
    float_e: 1.5e3
    float_p: 1.5e+3
    letter_y: y
    letters: [yes, no, on]
`;

export const CONDITIONS: string[] = [
  'flag_no', 'not flag_no', 'flag_yes', 'not flag_yes', 'flag_on', 'flag_off', 'not flag_off', 'flag_true',
  'flag_no == false', 'flag_yes == true', 'flag_no == False', 'flag_no | bool', 'not (flag_no | bool)',
  'str_no', 'not str_no', 'str_no | bool', 'str_yes | bool', 'str_empty', 'not str_empty',
  "flag_no == 'no'", "str_no == 'no'", "flag_yes == 'yes'",
  'mode == 420', "mode == '0644'", 'mode > 400', 'mode | int == 420',
  'count > 2', 'count == 3', "count == '3'", "count | string == '3'", 'zero', 'not zero', 'zero == 0',
  "ver == '1.2.3'", 'pyver > 3.9', 'pyver == 3.11',
  'users | length == 2', `"'alice' in users"`, `"'carol' not in users"`, 'users',
  'cfg.port == 22', 'cfg.strict', 'not cfg.strict', "cfg['port'] == 22", "cfg.name == 'web'",
  'nothing is none', 'nothing == None', 'nothing is defined', 'not nothing',
  'undefined_var is not defined', 'undefined_var is defined', 'undefined_var | default(false)',
  "undefined_var | default('no') | bool", 'undefined_var',
  'hexv == 31', 'under == 1000', 'sexa == 90', "float_e == '1.5e3'", 'float_p == 1500',
  "letter_y == 'y'", 'letter_y | bool', "('t' | bool)", "('TRUE' | bool)", "(' yes' | bool)", "('On' | bool)",
  "1 | bool", "('hello' is truthy(convert_bool=True))", "('n' is truthy(convert_bool=True))", "('off' is falsy(convert_bool=True))",
  "letter_y is truthy(convert_bool=True)", "('' is truthy(convert_bool=True))", 'letters[0] and not letters[1] and letters[2]',
  'flag_yes and count > 2', 'flag_no or count > 2', '(flag_no or flag_yes) and not zero',
  'yes', 'no', 'true', 'false', 'on', 'off', '1', '0', '"True"', '"false"',
  '"{{ flag_yes }}"', '"{{ flag_no }}"', '[flag_yes, count == 3]', '[flag_yes, flag_no]',
  "day is defined", "day == '2024-01-02'",
];
