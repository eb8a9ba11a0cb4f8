/** The order fields the Robot API payload is built from. */
export interface OrderForBigin {
  id: number;
  customerName: string;
  phone: string;
  email: string | null;
  address: string;
  city: string;
  department: string;
  price: string | number;
}

export interface RobotOrderPayload {
  ordenName: string;
  contactName: string;
  subPipeline: string;
  stage: string;
  closingDate: string;
  amount: number;
  telefono: string;
  direccion: string;
  municipio: string;
  departamento: string;
  email: string;
  description: string;
}

/** dd/mm/yyyy as es-CO writes it, in Colombia's time zone (the date the shop sees). */
export function closingDateEsCo(at: Date): string {
  return new Intl.DateTimeFormat('es-CO', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'America/Bogota',
  }).format(at);
}

/** The Robot API body exactly as the source workflow built it. */
export function toRobotPayload(
  order: OrderForBigin,
  opts: { subPipeline: string; stage: string; now?: Date },
): RobotOrderPayload {
  return {
    ordenName: `Orden #${order.id} - ${order.customerName}`,
    contactName: order.customerName,
    subPipeline: opts.subPipeline,
    stage: opts.stage,
    closingDate: closingDateEsCo(opts.now ?? new Date()),
    amount: Number(order.price),
    telefono: order.phone,
    direccion: order.address,
    municipio: order.city,
    departamento: order.department,
    email: order.email ?? '',
    description: 'WPP',
  };
}
