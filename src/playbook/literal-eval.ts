// Python's ast.literal_eval as Ansible applies it to rendered text that looks like a list, dict
// or bool: strings, numbers, True/False/None (and JSON's true/false/null), lists, tuples and
// dicts; anything else means "not a literal" (undefined), and the text stays text.
import { ExprSyntaxError, parseStandalone, type Expr } from './expr-parse.js';
import { makeDict, mkTuple } from './expr-eval.js';
import { PyFloat, isNum, mkFloat, toNum } from './py-float.js';

const NOT_LITERAL = Symbol('not a literal');

function value(node: Expr): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return node.name === 'true' ? true : node.name === 'false' ? false : node.name === 'null' ? null : NOT_LITERAL;
    case 'list':
      return node.tuple ? mkTuple(node.items.map(value)) : node.items.map(value);
    case 'dict':
      return makeDict(node.entries.map((e) => [String(value(e.key)), value(e.value)] as const));
    case 'unary': {
      const v = value(node.operand);
      if (node.op === 'not' || !isNum(v)) return NOT_LITERAL;
      return node.op === '+' ? v : v instanceof PyFloat ? mkFloat(-toNum(v)) : -v;
    }
    default:
      return NOT_LITERAL;
  }
}

function hasNotLiteral(v: unknown): boolean {
  if (v === NOT_LITERAL) return true;
  if (Array.isArray(v)) return v.some(hasNotLiteral);
  if (v && typeof v === 'object' && !(v instanceof PyFloat)) return Object.values(v).some(hasNotLiteral);
  return false;
}

export function literalEval(text: string): unknown {
  try {
    const v = value(parseStandalone(text));
    return hasNotLiteral(v) ? undefined : v;
  } catch (e) {
    if (e instanceof ExprSyntaxError) return undefined;
    throw e;
  }
}
