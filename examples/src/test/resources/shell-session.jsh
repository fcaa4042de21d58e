// Piped into examples/spark-shell by SparkShellTest: two classes split by a line, a Linear model, its accuracy.
Dataset<Row> df = spark.range(2000).selectExpr("randn(1) as x1", "randn(2) as x2").selectExpr("x1", "x2", "cast(x1 + 2 * x2 > 0 as int) as label");
Dataset<Row> data = new VectorAssembler().setInputCols(new String[]{"x1", "x2"}).setOutputCol("features").transform(df);
EmberModel model = new EmberEstimator().setModelSpec("{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 2}]}").setLearningRate(0.05).setMaxEpochs(5).setNumWorkers(2).fit(data);
System.out.printf("shell accuracy %.4f%n", new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(data)));
/exit
