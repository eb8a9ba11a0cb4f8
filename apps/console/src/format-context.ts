import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Formatter, formatter } from './format.ts';

export const FormatContext = createContext<Formatter>(formatter());
/** The operator's number, money and date formats (format.ts). */
export const useFormat = (): Formatter => useContext(FormatContext);
