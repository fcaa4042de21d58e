package dev.ember.arrow;

/**
 * A row that cannot become a training example. The message names the column, the partition,
 * the row's position within the partition (0-based, counted over every batch the converter saw)
 * and the offending value, so a user can find the row in their data.
 */
public final class InvalidRowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String column;
    private final int partitionId;
    private final long row;

    InvalidRowException(String column, int partitionId, long row, String problem) {
        super("Invalid value in column '" + column + "' at row " + row + " of partition " + partitionId + ": " + problem
                + " (handleInvalid=error; use handleInvalid=skip to drop such rows)");
        this.column = column;
        this.partitionId = partitionId;
        this.row = row;
    }

    public String column() { return column; }
    public int partitionId() { return partitionId; }
    /** The row's 0-based position within its partition. */
    public long row() { return row; }
}
