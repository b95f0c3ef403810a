export const describe = (num) => `Counted ${num} ${num === 1 ? 'bean' : 'beans'}`;
