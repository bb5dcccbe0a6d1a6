import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The optimistic check of a workflow step: the step's one statement ends with
 * `SELECT crm.wf_step_guard(<the instance row still had the version the step was computed from>)`.
 * When it did not (another step won the race), the guard raises SQLSTATE CRW01 and the whole
 * statement — every row the step would have written — is undone; the server then runs the step
 * again with the instance row locked. Additive only.
 */
export class WorkflowStepGuard1764300000210 implements MigrationInterface {
  name = 'WorkflowStepGuard1764300000210';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION crm.wf_step_guard(ok boolean) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF ok IS NOT TRUE THEN
          RAISE EXCEPTION 'workflow step lost its race' USING ERRCODE = 'CRW01';
        END IF;
        RETURN 1;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION crm.wf_step_guard(boolean)');
  }
}
