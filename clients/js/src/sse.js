// Server-sent events (WHATWG HTML, "Parsing an event stream") from a byte stream.

/**
 * Yields `{event, data}` for every event of a `ReadableStream<Uint8Array>` (a fetch body).
 * @param {ReadableStream<Uint8Array>} body
 */
export async function* readEvents(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data = [];
  function* dispatch(line) {
    if (line === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
      event = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        yield* dispatch(line);
      }
      if (done) break;
    }
    if (buffer) yield* dispatch(buffer);
    yield* dispatch('');
  } finally {
    reader.releaseLock();
  }
}
