import type { AdmissionGate, AdmissionRequest } from '../sessions/admission';
import type { Budgets } from './budgets';
import type { Metering } from './metering';

/** What Admission consults after a concurrency slot: the budget, then the "requested" meter. */
export class UsageGate implements AdmissionGate {
  constructor(
    private readonly budgets: Budgets,
    private readonly metering: Metering,
  ) {}

  async admit(leaseId: string, clientId: string, request: AdmissionRequest): Promise<void> {
    await this.budgets.admit(leaseId, clientId, request);
    void this.metering.requested(clientId, request.avatarId, leaseId);
  }

  delivered(leaseId: string): Promise<void> {
    return this.budgets.delivered(leaseId);
  }

  released(leaseId: string): Promise<void> {
    return this.budgets.released(leaseId);
  }
}
