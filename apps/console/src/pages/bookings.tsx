import { Placeholder } from '../components/page.tsx';

/** Reserved: the bookings page is built on the console scaffold separately (texts: i18n/{es,en}/bookings.ts). */
export const BookingsPage = () => <Placeholder ns="bookings" />;
