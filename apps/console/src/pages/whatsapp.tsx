import { Placeholder } from '../components/page.tsx';

/** Reserved: the whatsapp page is built on the console scaffold separately (texts: i18n/{es,en}/whatsapp.ts). */
export const WhatsappPage = () => <Placeholder ns="whatsapp" />;
