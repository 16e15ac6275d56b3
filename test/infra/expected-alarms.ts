/** The operations the table-throttling alarm adds up, in order: what both front doors must read. */
export const THROTTLED_OPERATIONS = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
