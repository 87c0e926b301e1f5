/**
 * The last line of defence before a report leaves pgshift: whatever slipped into a message (a
 * connection URL in a driver error, a conninfo string in a note), passwords are replaced by ***.
 * Targets are already described without secrets (describeTarget); this catches the rest.
 */
export function redactSecrets(text: string): string {
  return (
    text
      // scheme://user:password@host
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"<>]*:)([^\s@'"<>]+)@/gi, '$1***@')
      // ?password=... / &password=... in a URL query
      .replace(/([?&](?:password|sslpassword)=)[^&\s'"<>]*/gi, '$1***')
      // keyword/value conninfo (a line that also names a host, dbname or user): password=secret
      .replace(/^.*\b(?:host|hostaddr|dbname|user)\s*=.*$/gim, (line) =>
        line.replace(/\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s'"<>&]+)/gi, '$1=***'),
      )
  );
}
