import { Placeholder } from '../components/page.tsx';

/** Reserved: the clients page is built on the console scaffold separately (texts: i18n/{es,en}/clients.ts). */
export const ClientsPage = () => <Placeholder ns="clients" />;
