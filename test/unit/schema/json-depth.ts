// The nesting the JSON lines scanner's maxDepth limits, as the differential tests compute it.

/**
 * Levels of objects and arrays in a JSON text JSON.parse accepts: 0 for a scalar, 1 for `{}`. Counted in
 * the text, as the limit is on what is read: a duplicate key's earlier value counts though JSON.parse drops it.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}
