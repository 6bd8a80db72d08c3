import { clientConfig } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';

/** What runs behind this page: the engines and adapters of each part. */
export function Status() {
  const config = useAsync(clientConfig, []);
  if (config.status === 'loading') return <p>Loading…</p>;
  if (config.status === 'error') return <p role="alert">{config.error.message}</p>;
  return (
    <section>
      <h1>System status</h1>
      <table data-testid="engines">
        <tbody>
          {Object.entries(config.value.engines).map(([part, engine]) => (
            <tr key={part}>
              <th scope="row">{part}</th>
              <td>{engine}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
