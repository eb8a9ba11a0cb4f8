import { Placeholder } from '../components/page.tsx';

/** Reserved: the orders page is built on the console scaffold separately (texts: i18n/{es,en}/orders.ts). */
export const OrdersPage = () => <Placeholder ns="orders" />;
