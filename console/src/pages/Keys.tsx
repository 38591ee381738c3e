import { keyway } from '../api.js';
import { ConfirmButton, Loading, Problem, Section, useAction, useLoaded, when } from '../ui.js';

/** The signing keys in the JWKS, and a rotation. */
export function Keys() {
  const keys = useLoaded(() => keyway.keys.list.query());
  const { busy, error, run } = useAction();
  return (
    <Section title="Signing keys">
      <p>A new key is published at once and signs once every instance knows it; the old one verifies its tokens until they expire.</p>
      <ConfirmButton
        label="Rotate the signing key"
        confirm="Rotate now"
        disabled={busy}
        onConfirm={() =>
          void run(async () => {
            await keyway.keys.rotate.mutate();
            keys.reload();
          })
        }
      />
      <Problem error={error ?? keys.error} />
      {!keys.data ? (
        <Loading what="keys" />
      ) : (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Algorithm</th>
                <th scope="col">State</th>
                <th scope="col">Signs from</th>
                <th scope="col">Retired</th>
                <th scope="col">Published until</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.kid}>
                  <td>
                    <code>{key.kid}</code>
                  </td>
                  <td>{key.algorithm}</td>
                  <td>{key.state}</td>
                  <td>{when(key.activatesAt)}</td>
                  <td>{when(key.retiredAt)}</td>
                  <td>{when(key.publishedUntil)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
