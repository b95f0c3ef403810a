import { backendContract } from '../../dist/test/backends/contract.js';
import { ListDataStore, ListQueue } from './list-backend.js';

backendContract({
  name: 'list',
  async open() {
    return {
      queue: (name) => new ListQueue(name),
      store: (name) => new ListDataStore(name),
    };
  },
});
