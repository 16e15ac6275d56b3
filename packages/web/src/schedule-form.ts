import type { BadRequestError } from '@stint/core';
import type { Planning, ReportSettings } from '@stint/core/schedules';

/** A form body as Hono's `parseBody({ all: true })` gives it: repeated fields become arrays. */
export type FormBody = Record<string, string | File | Array<string | File>>;

/** Which of the window's forms was submitted; each saves its own part of the row only. */
export type ScheduleForm = 'report' | 'planning';

/** What the viewer typed, kept as typed so a refused form shows it again. */
export interface PlanningDraft {
  type: string;
  days: string[];
  times: string[];
  timeZone: string;
}

export interface ReportDraft {
  enabled: boolean;
  recipients: string;
}

/** A refused save: the message and the form field it belongs to. */
export interface FieldError {
  field: string;
  message: string;
}

export function strings(body: FormBody, name: string): string[] {
  const value = body[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
}

export function string(body: FormBody, name: string): string {
  return strings(body, name).at(-1) ?? '';
}

export function formOf(body: FormBody): ScheduleForm {
  return string(body, 'form') === 'planning' ? 'planning' : 'report';
}

export function planningDraft(body: FormBody): PlanningDraft {
  return {
    type: string(body, 'planning'),
    days: strings(body, 'days'),
    times: strings(body, 'times')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    timeZone: string(body, 'timeZone').trim(),
  };
}

export function draftOfPlanning(planning: Planning, fallbackZone: string): PlanningDraft {
  return planning.type === 'scheduled'
    ? { type: 'scheduled', days: planning.days, times: planning.times, timeZone: planning.timeZone }
    : { type: planning.type, days: [], times: [], timeZone: fallbackZone };
}

export function reportDraft(body: FormBody): ReportDraft {
  return { enabled: string(body, 'reportEnabled') === 'on', recipients: string(body, 'recipients') };
}

export function draftOfReport(report: ReportSettings): ReportDraft {
  return { enabled: report.enabled, recipients: report.recipients.join('\n') };
}

/** Addresses as people paste them: one a line, or separated by commas, semicolons or spaces. */
export function splitAddresses(text: string): string[] {
  return text.split(/[\s,;]+/).filter((address) => address !== '');
}

/** The PATCH body a form stands for; the core's parseSchedulePatch judges it. Days, times and zone count only when scheduled. */
export function patchInput(form: ScheduleForm, body: FormBody): unknown {
  if (form === 'report') {
    const draft = reportDraft(body);
    return { report: { enabled: draft.enabled, recipients: splitAddresses(draft.recipients) } };
  }
  const draft = planningDraft(body);
  if (draft.type !== 'scheduled') return { planning: { type: draft.type } };
  return { planning: { type: 'scheduled', days: draft.days, times: draft.times, timeZone: draft.timeZone } };
}

/**
 * The core's 400 as the form shows it: next to the field group it names (`planning.times.1`
 * belongs to the times), its expectation without the path (the form shows the field) and
 * without what came (the form shows what was typed), quoting the one value of a list it refused.
 */
export function fieldErrorOf(error: BadRequestError, input: unknown): FieldError {
  const path = error.field ?? '';
  const [part, name, index] = path.split('.');
  const field = name === undefined ? (part ?? '') : `${part}.${name}`;
  let message = (error.message.startsWith(`${path} `) ? error.message.slice(path.length + 1) : error.message).replace(/; got .*$/s, '');
  if (index !== undefined && /^\d+$/.test(index)) {
    const values = (input as Record<string, Record<string, unknown>> | null)?.[part!]?.[name!];
    const value = Array.isArray(values) ? values[Number(index)] : undefined;
    if (typeof value === 'string') message = `${message}: “${value}”`;
  }
  return { field, message: message.charAt(0).toUpperCase() + message.slice(1) };
}
