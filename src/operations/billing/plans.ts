import { z } from 'zod';
import { PLAN_IDS, PLANS, PlanView } from '../../domain/billing/plans.ts';
import { defineOperation } from '../define-operation.ts';

export const billingPlans = defineOperation({
  id: 'billing.plans',
  method: 'GET',
  path: '/billing/plans',
  summary: 'list the billing plans and what each allows per billing period',
  scope: 'read',
  input: z.object({}),
  output: z.array(PlanView),
  handler: async () => ({ data: PLAN_IDS.map((id) => PLANS[id]) }),
});
