/** @jsxImportSource hono/jsx */
import type { JobDefinition } from '@stint/sdk';

/** Who may start a type, in the words the api's listing uses. */
function startedBy(definition: JobDefinition): string {
  if (definition.system) return 'Admins (Stint’s own type; the monitor’s operations start it for you)';
  const people = definition.access.submit === 'admin' ? 'Admins' : 'Admins and tenant admins';
  return definition.access.intake ? `${people}, and other services through intake` : people;
}

/**
 * The job types the signed-in person may submit (`POST /api/jobs`), as `GET /api/job-types`
 * lists them: the monitor starts jobs only through its operations, so this page is where a
 * person learns what the api would accept from them.
 */
export function JobTypesPage(props: { types: JobDefinition[]; canWrite: boolean }) {
  return (
    <>
      <div class="page-header">
        <div>
          <h1>Job types</h1>
          <p class="page-header__lead">
            The types you may submit with <code>POST /api/jobs</code> (also listed by <code>GET /api/job-types</code>); any other is refused.
          </p>
        </div>
      </div>
      {props.types.length === 0 ? (
        <p class="empty empty--panel">{props.canWrite ? 'No job type may be submitted with your access.' : 'Viewers cannot submit jobs.'}</p>
      ) : (
        <div class="table-scroll" role="region" aria-labelledby="job-types-caption" tabindex={0}>
          <table class="job-types-table">
            <caption id="job-types-caption">Job types you may submit</caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">What it does</th>
                <th scope="col">Who may start it</th>
              </tr>
            </thead>
            <tbody>
              {props.types.map((definition) => (
                <tr>
                  <td>
                    <span class="job-type">{definition.type}</span>
                  </td>
                  <td>{definition.description ?? <span class="muted">No description</span>}</td>
                  <td>{startedBy(definition)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
