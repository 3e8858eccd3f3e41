import { convertCell, CsvRecordReader, formatCsvRow, splitCsvLine, type Cell } from './csv';

describe('convertCell', () => {
  it.each([
    ['', null],
    ['  ', null],
    ['true', true],
    ['false', false],
    ['42', 42],
    ['-3.5', -3.5],
    ['+7', 7],
    ['.5', 0.5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['007', 7],
    [' 12 ', 12],
    ['c-000001', 'c-000001'],
    ['True', 'True'],
    ['1,5', '1,5'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['0x1F', '0x1F'],
    ['1e999', '1e999'],
    ['12abc', '12abc'],
  ])('reads %j as %j', (raw, value) => {
    expect(convertCell(raw, false)).toEqual(value);
  });

  it('keeps quoted cells as text, even empty ones', () => {
    expect(convertCell('42', true)).toBe('42');
    expect(convertCell('true', true)).toBe('true');
    expect(convertCell('', true)).toBe('');
  });
});

describe('splitCsvLine', () => {
  it('splits plain cells, keeping empty ones', () => {
    expect(splitCsvLine('a,,c,')!.map((c) => c.text)).toEqual(['a', '', 'c', '']);
  });

  it('handles quoted commas and doubled quotes', () => {
    expect(splitCsvLine('"a,b","say ""hi""",x')).toEqual([
      { text: 'a,b', quoted: true },
      { text: 'say "hi"', quoted: true },
      { text: 'x', quoted: false },
    ]);
  });

  it('reports an unclosed quote so the next line can be joined', () => {
    expect(splitCsvLine('1,"two')).toBeNull();
  });
});

describe('CsvRecordReader', () => {
  function read(lines: string[]): Record<string, Cell>[] {
    const reader = new CsvRecordReader();
    const records: Record<string, Cell>[] = [];
    lines.forEach((line, i) => {
      const record = reader.push(line, i + 1);
      if (record) records.push(record);
    });
    reader.finish();
    return records;
  }

  it('maps cells to the header and converts them', () => {
    expect(
      read(['id,age,income,ok,note', 'c-1,30,,true,"x, y"', '', 'c-2,41,5000.5,false,']),
    ).toEqual([
      { id: 'c-1', age: 30, income: null, ok: true, note: 'x, y' },
      { id: 'c-2', age: 41, income: 5000.5, ok: false, note: null },
    ]);
  });

  it('joins a quoted cell that spans lines', () => {
    expect(read(['id,note', '1,"first', 'second"', '2,x'])).toEqual([
      { id: 1, note: 'first\nsecond' },
      { id: 2, note: 'x' },
    ]);
  });

  it('keeps a __proto__ column as data', () => {
    const [record] = read(['__proto__,a', '1,2']);
    expect(Object.keys(record)).toEqual(['__proto__', 'a']);
    expect(record.a).toBe(2);
  });

  it('names the line of a row with the wrong number of cells', () => {
    expect(() => read(['a,b', '1,2', '3'])).toThrow('line 3: 1 cells, but the header has 2');
  });

  it('refuses duplicate or empty column names and unclosed quotes', () => {
    expect(() => read(['a,a'])).toThrow('column "a" appears twice');
    expect(() => read(['a,,b'])).toThrow('empty column name');
    expect(() => read(['a', '"open'])).toThrow('line 2: a quoted cell is never closed');
  });

  it('round-trips what formatCsvRow writes', () => {
    const values = ['plain', 'a,b', 'q"uote', ' padded ', 'two\nlines', 3, true, null];
    const header = values.map((_, i) => `c${i}`).join(',');
    const [record] = read([header, ...formatCsvRow(values).split('\n')]);
    expect(Object.values(record)).toEqual([
      'plain',
      'a,b',
      'q"uote',
      ' padded ',
      'two\nlines',
      3,
      true,
      null,
    ]);
  });
});
