import { useTranslation } from 'react-i18next';
import { errorMessage } from '../i18n/errorMessage.js';
import { clientConfig } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';
import { Card } from '../ui/Card.js';
import { Spinner } from '../ui/Spinner.js';

/** What runs behind this page: the engines and adapters of each part. */
export function Status() {
  const { t } = useTranslation();
  const config = useAsync(clientConfig, []);
  return (
    <section>
      <h1>{t('pages:status.title')}</h1>
      {config.status === 'loading' && <Spinner />}
      {config.status === 'error' && (
        <p role="alert" className="notice notice-error">
          {errorMessage(t, config.error)}
        </p>
      )}
      {config.status === 'done' && (
        <Card>
          <div className="table-scroll">
            <table data-testid="engines">
              <caption className="visually-hidden">{t('pages:status.caption')}</caption>
              <tbody>
                {Object.entries(config.value.engines).map(([part, engine]) => (
                  <tr key={part}>
                    {/* part and engine names are technical identifiers, shown as they are */}
                    <th scope="row">
                      <code>{part}</code>
                    </th>
                    <td>
                      <code>{engine}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </section>
  );
}
