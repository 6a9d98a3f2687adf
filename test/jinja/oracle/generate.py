# Regenerates the expected outputs of the Jinja fixtures with Python's Jinja2 (pip install jinja2 pyyaml), configured
# the way dbt configures it: sandboxed, with the do and loopcontrols extensions and dbt's tojson/fromjson/fromyaml/zip
# globals and as_* filters. Not run by the test suite; the outputs it writes are committed.
#   python3 test/jinja/oracle/generate.py render        -> writes fixtures/render/*.out
#   python3 test/jinja/oracle/generate.py random SEED N  -> prints random expression templates with outputs (JSON lines)
#   python3 test/jinja/oracle/generate.py whitespace SEED N -> the same for whitespace-control templates
import copy, datetime, glob, json, os, random, sys

import yaml
from jinja2.sandbox import SandboxedEnvironment


def dbt_like_environment():
    env = SandboxedEnvironment(extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'])

    def tojson(value, default=None, sort_keys=False):
        try:
            return json.dumps(value, sort_keys=sort_keys)
        except ValueError:
            return default

    def fromjson(string, default=None):
        try:
            return json.loads(string)
        except ValueError:
            return default

    def fromyaml(value, default=None):
        try:
            return yaml.safe_load(value)
        except (AttributeError, ValueError, yaml.YAMLError):
            return default

    env.globals.update(tojson=tojson, fromjson=fromjson, fromyaml=fromyaml, zip=lambda *a: zip(*a))
    for name in ['as_bool', 'as_number', 'as_native']:
        env.filters[name] = lambda x: x
    env.filters['as_text'] = lambda x: str(x)
    return env


ENV = dbt_like_environment()
HERE = os.path.dirname(os.path.abspath(__file__))


def render_fixtures():
    folder = os.path.join(HERE, '..', 'fixtures', 'render')
    for path in sorted(glob.glob(os.path.join(folder, '*.jinja'))):
        base = path[: -len('.jinja')]
        with open(path, newline='') as f:
            text = f.read()
        variables = {}
        if os.path.exists(base + '.json'):
            with open(base + '.json') as f:
                variables = json.load(f)
        if 'run_started_at' in variables:
            variables['run_started_at'] = datetime.datetime.fromisoformat(variables['run_started_at'])
        try:
            out = ENV.from_string(text).render(**variables)
        except Exception as e:  # a fixture that Jinja2 cannot render is a mistake in the fixture
            print('ERROR', os.path.basename(path), type(e).__name__, e)
            continue
        with open(base + '.out', 'w', newline='') as f:
            f.write(out)


ATOMS = ['1', '0', '-2', '3', '2.5', '"a"', '"B c"', "''", 'none', 'true', 'false', '[1, 2]', '["x", "Y"]', '[]',
         '{"k": 1, "j": "v"}', '{}', 'xs', 'd', 's', 'n', 'undef', '(1, "t")', '"a,b"', '" pad "']
FILTERS = ['lower', 'upper', 'length', 'first', 'last', 'list', 'sort', 'unique', 'join(",")', 'join', 'default("D")',
           'trim', 'string', 'int', 'reverse', 'capitalize', 'title', 'tojson', 'sum', 'max', 'min', 'abs', 'round',
           'items', 'dictsort', 'batch(2)', 'map("upper")', 'select("odd")', 'reject("none")', 'replace("a", "z")',
           'indent(2)', 'wordcount', 'center(7)', 'float', 'count']
TESTS = ['none', 'defined', 'undefined', 'string', 'number', 'mapping', 'iterable', 'sequence', 'true', 'false', 'odd',
         'even', 'integer', 'float', 'lower', 'upper', 'in [1, "a"]', 'eq 1', 'boolean', 'callable']
BINOPS = ['+', '-', '*', '/', '//', '%', '**', '~', 'and', 'or', '==', '!=', '<', '<=', '>', '>=', 'in', 'not in']
METHODS = ['.upper()', '.lower()', '.strip()', '.split()', '.split(",")', '.replace("a", "q")', '.startswith("a")',
           '.endswith("c")', '.title()', '.get("k")', '.get("z", 9)', '.items()', '.keys()', '.values()', '.count("a")',
           '.find("b")', '.isdigit()', '.zfill(4)', '[0]', '[-1]', '[1:]', '[::-1]', '.k', '["k"]', '.index(1)', '[5]']
VARS = {'xs': [3, 1, 2], 'd': {'k': 1, 'j': 'v'}, 's': 'abc', 'n': 7}


def expr(depth=0):
    r = random.random()
    if depth > 2 or r < 0.3:
        return random.choice(ATOMS)
    if r < 0.45:
        return f'{expr(depth + 1)} | {random.choice(FILTERS)}'
    if r < 0.55:
        return f'{expr(depth + 1)} is {random.choice(["", "not "])}{random.choice(TESTS)}'
    if r < 0.75:
        return f'({expr(depth + 1)} {random.choice(BINOPS)} {expr(depth + 1)})'
    if r < 0.85:
        return f'{expr(depth + 1)}{random.choice(METHODS)}'
    if r < 0.9:
        return f'not {expr(depth + 1)}'
    if r < 0.95:
        return f'({expr(depth + 1)} if {expr(depth + 1)} else {expr(depth + 1)})'
    return f'[{expr(depth + 1)}, {expr(depth + 1)}]'


def statement(depth=0):
    r = random.random()
    if depth > 1 or r < 0.4:
        return '{{ ' + expr() + ' }}'
    if r < 0.55:
        return '{% if ' + expr() + ' %}' + statement(depth + 1) + '{% else %}' + statement(depth + 1) + '{% endif %}'
    if r < 0.7:
        return '{% for x in ' + expr() + ' %}{{ loop.index }}:{{ x }}' + statement(depth + 1) + '{% else %}E{% endfor %}'
    if r < 0.8:
        return '{% set v = ' + expr() + ' %}{{ v }}'
    if r < 0.9:
        return ' \n {%- if ' + expr() + ' -%} \n T {% endif -%}\n '
    return '{% set b %} ' + statement(depth + 1) + ' {% endset %}[{{ b }}]'


WS = [' ', '  ', '\n', ' \n ', '\n\n', '\t', '', 'x', ' y ', '\r\n', 'a\n  ']


def sign():
    return random.choice(['', '', '-', '+'])


def ws_piece(depth=0):
    r = random.random()
    if r < 0.3:
        return random.choice(WS)
    if r < 0.45:
        return '{{' + sign() + ' "v" ' + sign() + '}}'
    if r < 0.55:
        return '{#' + sign() + ' c ' + sign() + '#}'
    if r < 0.7 and depth < 2:
        return ('{%' + sign() + ' if true ' + sign() + '%}' + ws_body(depth + 1) + '{%' + sign() + ' else ' + sign() + '%}'
                + ws_body(depth + 1) + '{%' + sign() + ' endif ' + sign() + '%}')
    if r < 0.8 and depth < 2:
        return '{%' + sign() + ' for i in [1, 2] ' + sign() + '%}' + ws_body(depth + 1) + '{%' + sign() + ' endfor ' + sign() + '%}'
    if r < 0.9 and depth < 2:
        return '{%' + sign() + ' set s ' + sign() + '%}' + ws_body(depth + 1) + '{%' + sign() + ' endset ' + sign() + '%}[{{ s }}]'
    if r < 0.95:
        return ('{%' + sign() + ' raw ' + sign() + '%}' + random.choice(WS) + '{{ r }}' + random.choice(WS) + '{%' + sign()
                + ' endraw ' + sign() + '%}')
    return '{%' + sign() + ' set q = 1 ' + sign() + '%}'


def ws_body(depth):
    return ''.join(ws_piece(depth) for _ in range(random.randint(0, 4)))


def emit(make, seed, count):
    random.seed(seed)
    for _ in range(count):
        tpl = make()
        try:
            print(json.dumps({'tpl': tpl, 'out': ENV.from_string(tpl).render(**copy.deepcopy(VARS))}))
        except Exception as e:
            print(json.dumps({'tpl': tpl, 'error': type(e).__name__ + ': ' + str(e)}))


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'render':
        render_fixtures()
    elif mode == 'random':
        emit(lambda: ''.join(statement() for _ in range(random.randint(1, 3))), int(sys.argv[2]), int(sys.argv[3]))
    elif mode == 'whitespace':
        emit(lambda: ws_body(0) + random.choice(['', '\n', '\n\n', '\r\n', ' ']), int(sys.argv[2]), int(sys.argv[3]))
