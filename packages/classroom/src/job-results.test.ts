import { describeJobResultStoreContract } from './job-results.contract';
import { MemoryJobResultStore } from './job-results';

describeJobResultStoreContract('memory', async () => ({ store: new MemoryJobResultStore(), dispose: async () => undefined }));
