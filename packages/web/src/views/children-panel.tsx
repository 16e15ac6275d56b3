/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import { href, type Pager } from '../list-url.ts';
import { DateTime, Duration, JobName, Progress, StatusBadge } from './job-cells.tsx';

export interface ChildrenPanelProps {
  path: string;
  children: Job[];
  pager: Pager;
  error: string | null;
  timeZone: string;
}

export const CHILD_PAGER = { cursor: 'childCursor', trail: 'childTrail', page: 'childPage' };

export function ChildrenPanel(props: ChildrenPanelProps) {
  const { pager } = props;
  const link = (params: URLSearchParams | null, label: string) =>
    params === null ? null : (
      <a class="button button--quiet" href={`${href(props.path, params)}#children`}>
        {label}
      </a>
    );
  return (
    <section class="panel" id="children" aria-labelledby="children-title">
      <h2 id="children-title">Children</h2>
      {props.error !== null && (
        <div class="alert alert--error" role="alert">
          {props.error}
        </div>
      )}
      <div class="table-scroll" role="region" aria-labelledby="children-caption" tabindex={0}>
        <table class="children-table stack-table">
          <caption id="children-caption">{`Child jobs, newest first, page ${pager.page}`}</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {props.children.map((child) => (
              <tr data-id={child.id} data-status={child.status}>
                <th scope="row" class="col-job">
                  <JobName job={child} />
                </th>
                <td data-label="Status">
                  <StatusBadge job={child} />
                </td>
                <td data-label="Progress">
                  <Progress value={child.progress} label={`Progress of ${child.label}`} />
                </td>
                <td class="nowrap" data-label="Created">
                  <DateTime ms={child.createDate} timeZone={props.timeZone} />
                </td>
                <td class="nowrap" data-label="Duration">
                  <Duration job={child} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.children.length === 0 && <p class="empty">No child jobs yet.</p>}
      </div>
      {(pager.first || pager.next) && (
        <nav class="pager" aria-label="Child job pages">
          {link(pager.first, 'First')}
          {link(pager.previous, 'Previous')}
          <span class="pager__page">Page {pager.page}</span>
          {link(pager.next, 'Next')}
        </nav>
      )}
    </section>
  );
}
