import {
  GraphQLError,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * graphql-js says why a variable was refused by quoting its value
 * (`Variable "$p" got invalid value "…"; String cannot represent …: "…"`),
 * and that value may be a password sent with the wrong type. No amount of
 * cutting the quote out of the text is safe, since the value can contain
 * whatever the cutting looks for; so the message is rebuilt from what the
 * schema and the operation say: the variable's name, where in it the fault
 * is, and the type expected there. Nothing of the caller's value is kept.
 */
export function variableErrorMessage(schema: GraphQLSchema, error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // The name comes before the value, so it can be read; "was not provided" and "must not be null"
  // say nothing of a value and stay as written.
  const name = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" (?:got|has) invalid value/.exec(error.message)?.[1];
  if (!name) return undefined;
  const definition = error instanceof GraphQLError && error.nodes?.length === 1 ? error.nodes[0] : undefined;
  const declared =
    definition?.kind === Kind.VARIABLE_DEFINITION && definition.variable.name.value === name
      ? (typeFromAST(schema, definition.type) as GraphQLInputType | undefined)
      : undefined;
  const reason = error instanceof GraphQLError ? error.originalError : undefined;
  const path = declared && reason ? faultPath(error.message, name, reason.message) : [];
  // A path is named only when the schema has it: then every part of it is a field name or an index.
  const expectedAt = declared && typeAt(declared, path);
  const at = expectedAt ? path : [];
  const expected = expectedAt ?? declared;
  const where = at.length > 0 ? ` at "${name}${at.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}"` : '';
  return `Variable "$${name}" got an invalid value${where}; ${why(expected, reason?.message ?? '')}`;
}

/** The reason, in words taken from the schema only. */
function why(expected: GraphQLInputType | undefined, reason: string): string {
  const object = expected && getNullableType(expected);
  if (isInputObjectType(object)) {
    for (const field of Object.values(object.getFields())) {
      // Compared whole with what graphql-js would write for this field, so nothing of the value can pass.
      if (reason === `Field "${field.name}" of required type "${String(field.type)}" was not provided.`) {
        return `field "${field.name}" of required type "${String(field.type)}" was not provided`;
      }
    }
    if (reason.startsWith('Field "') && reason.includes(`" is not defined by type "${object.name}".`)) {
      return `it has a field not defined by type "${object.name}"`;
    }
  }
  return expected ? `expected a value of type "${String(expected)}"` : 'it is not of the declared type';
}

/**
 * Where in the variable graphql-js found the fault (`i.password`, `ids[2]`).
 * It prints that path between the value and the reason, so it is read from
 * the end, once the reason (known whole) is removed: a quoted value cannot end
 * with an unescaped `at "…"`. Only names and indexes are kept; anything else
 * gives no path.
 */
function faultPath(message: string, name: string, reason: string): Array<string | number> {
  if (!message.endsWith(`; ${reason}`)) return [];
  const head = message.slice(0, message.length - reason.length - 2);
  const path = new RegExp(` at "${name}((?:\\.[_A-Za-z][_0-9A-Za-z]*|\\[\\d+\\])+)"$`).exec(head)?.[1];
  if (!path) return [];
  return [...path.matchAll(/\.([_A-Za-z][_0-9A-Za-z]*)|\[(\d+)\]/g)].map(([, key, index]) => key ?? Number(index));
}

/** The type the schema expects at a path inside a variable, if the path fits it. */
function typeAt(type: GraphQLInputType, path: Array<string | number>): GraphQLInputType | undefined {
  let current: GraphQLInputType = type;
  for (const key of path) {
    const nullable = getNullableType(current);
    if (typeof key === 'number' && isListType(nullable)) current = nullable.ofType;
    else if (typeof key === 'string' && isInputObjectType(nullable) && nullable.getFields()[key]) current = nullable.getFields()[key]!.type;
    else return undefined;
  }
  return current;
}
