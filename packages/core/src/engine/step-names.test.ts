import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '@stint/sdk';
import { StepNames } from './step-names.ts';

describe('the names a run’s checkpoints are stored under', () => {
  it('refuses a name used twice, as a job’s mistake', () => {
    const names = new StepNames();
    names.step('load');
    expect(() => names.step('load')).toThrow(NonRetriableError);
    expect(() => names.step('load')).toThrow('step name "load" is used twice in one run');
    expect(() => names.sleep('load')).toThrow('step name "load" is used twice in one run');
  });

  it('keeps a sleep’s marker for it, whichever comes first', () => {
    const sleepFirst = new StepNames();
    expect(sleepFirst.sleep('nap')).toBe('nap#passed');
    expect(() => sleepFirst.step('nap#passed')).toThrow('step name "nap#passed" is used twice in one run');

    const stepFirst = new StepNames();
    stepFirst.step('nap#passed');
    expect(() => stepFirst.sleep('nap')).toThrow('step name "nap#passed" is used twice in one run');
    // The refused sleep claimed nothing, its own name included.
    expect(() => stepFirst.step('nap')).not.toThrow();
  });

  it('numbers the waits for one event name and key, each with its own start marker', () => {
    const names = new StepNames();
    expect(names.eventWait('order', '7')).toEqual({ step: 'event:order:7', began: 'event:order:7#began' });
    expect(names.eventWait('order', '8')).toEqual({ step: 'event:order:8', began: 'event:order:8#began' });
    expect(names.eventWait('order', '7')).toEqual({ step: 'event:order:7#2', began: 'event:order:7#2#began' });
    expect(names.eventWait('order', '7')).toEqual({ step: 'event:order:7#3', began: 'event:order:7#3#began' });
    expect(() => names.step('event:order:8#began')).toThrow('step name "event:order:8#began" is used twice in one run');
  });

  it('refuses a wait whose name a step took first', () => {
    const names = new StepNames();
    names.step('event:order:7#began');
    expect(() => names.eventWait('order', '7')).toThrow('step name "event:order:7#began" is used twice in one run');
  });
});
