import { describeLiveStateStoreContract } from './live-state.contract';
import { MemoryLiveStateStore } from './live-state';

describeLiveStateStoreContract('memory', async () => ({ store: new MemoryLiveStateStore(), sessionId: 'session-1', dispose: async () => undefined }));
