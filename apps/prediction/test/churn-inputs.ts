/** Raw churn rows as OIP v2 JSON inputs: one [N,1] tensor per field. */
export function churnInputs(
  rows: Array<{ tenure: number | null; spend: number; plan: string | null }>,
) {
  return [
    {
      name: 'tenure',
      datatype: 'FP64',
      shape: [rows.length, 1],
      data: rows.map((r) => r.tenure ?? 'NaN'),
    },
    { name: 'spend', datatype: 'FP64', shape: [rows.length, 1], data: rows.map((r) => r.spend) },
    {
      name: 'plan',
      datatype: 'BYTES',
      shape: [rows.length, 1],
      data: rows.map((r) => r.plan ?? ''),
    },
  ];
}
