// The messages of what a load step refused: [] when it accepted the input.
import { ValidationError, ValidationErrors } from '../../../src/errors.js';

export function validationMessages(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ValidationErrors) return e.errors.map((x) => x.message);
    if (e instanceof ValidationError) return [e.message];
    throw e;
  }
  return [];
}
