import { MemoryClassroomStore } from './memory-store';
import { describeClassroomStoreContract } from './store.contract';

describeClassroomStoreContract('memory', async () => {
  const store = new MemoryClassroomStore();
  return { store, dispose: () => store.close() };
});
