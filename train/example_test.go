package train_test

import (
	"fmt"
	"math"
	"os"

	"github.com/convzoo/convzoo/train"
)

func ExampleEpochLine() {
	fmt.Println(train.EpochLine(train.EpochStats{Epoch: 1, TrainLoss: 0.2311, TrainAcc: 0.9312, TestLoss: 0.0712, TestAcc: 0.9779, Seconds: 12.31}, 5))
	fmt.Println(train.EpochLine(train.EpochStats{Epoch: 2, TrainLoss: 0.1, TrainAcc: 0.97, TestLoss: math.NaN(), Seconds: 3}, 5))
	train.WriteCSV(os.Stdout, []train.EpochStats{{Epoch: 1, TrainLoss: 0.25, TrainAcc: 0.5, TestLoss: math.NaN(), TestAcc: math.NaN(), Seconds: 1.5,
		TrainTop5: 0.75, TestTop5: math.NaN(), LR: 0.1}})
	// Output:
	// epoch 1/5  train loss 0.2311 acc 0.9312  test loss 0.0712 acc 0.9779  12.3s
	// epoch 2/5  train loss 0.1000 acc 0.9700  3.0s
	// epoch,train_loss,train_acc,test_loss,test_acc,seconds,train_top5,test_top5,lr
	// 1,0.25,0.5,,,1.500,0.75,,0.1
}
