import { crontab } from 'huey/decorators';

const at = (iso) => new Date(iso);
const everyFiveMinutes = crontab({ minute: '*/5' });
const weekdayMornings = crontab({ dayOfWeek: '1-5', hour: '9', minute: '0' });
const mondaysInJanuary = crontab({ month: '1', day: '1-7', dayOfWeek: '1', hour: '8', minute: '30' });

console.log(everyFiveMinutes(at('2026-01-05T09:00:00Z')), everyFiveMinutes(at('2026-01-05T09:03:00Z')));
console.log(weekdayMornings(at('2026-01-05T09:00:00Z')), weekdayMornings(at('2026-01-04T09:00:00Z')));
console.log(mondaysInJanuary(at('2026-01-05T08:30:00Z')), mondaysInJanuary(at('2026-01-12T08:30:00Z')));

try {
  crontab({ minute: '61' });
} catch (error) {
  console.log(`${error.name}: ${error.message}`);
}
