"""Reading a CSV that people or shops wrote: a record the csv module cannot read (a field over
its size limit, a NUL byte) is one bad line, and reading goes on after it."""

import csv


def records(reader):
    """(line, record, None) for each record of a csv reader, or (line, None, csv.Error) for one
    it could not read. `line` is the record's last line (the failed one for an error)."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # line_num counts the lines read before the one that failed
            yield reader.line_num + 1, None, error
            continue
        yield reader.line_num, record, None
